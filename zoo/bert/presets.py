"""The bert tasks the registry lists: each a named preset with its summary and config defaults."""
from zoo.task_entry import TaskEntry

TASKS = (
    TaskEntry(
        name="bert_sentiment",
        family="bert",
        task_class="zoo.bert.tasks.sentiment:SentimentTask",
        summary="tweet sentiment (3 classes) with pretrained MiniLM BERT, vs TF-IDF + logistic regression",
        defaults={"sequence_length": 48, "train_examples": 2500, "epochs": 3, "learning_rate": 1e-4, "layerwise_lr_decay": 0.9},
    ),
    TaskEntry(
        name="bert_qa",
        family="bert",
        task_class="zoo.bert.tasks.question_answering:QuestionAnsweringTask",
        summary="extractive question answering on generated stories: lives, companies, events, countries (or SQuAD v1.1 JSON)",
        defaults={"sequence_length": 96, "window_stride": 48, "train_examples": 1200, "test_examples": 400, "batch_size": 16, "learning_rate": 1e-4},
    ),
    TaskEntry(
        name="bert_ner",
        family="bert",
        task_class="zoo.bert.tasks.entities:EntityTask",
        summary="named entities (PER/LOC/ORG) on sentences with real names, places and organizations (or CoNLL files)",
        defaults={"sequence_length": 48, "train_examples": 1500, "test_examples": 500, "learning_rate": 1e-4},
    ),
    TaskEntry(
        name="bert_masked_lm",
        family="bert",
        task_class="zoo.bert.tasks.masked_lm:MaskedLMTask",
        summary="fill-mask; further pre-training on tweets with 80/10/10 masking",
        defaults={"sequence_length": 48, "train_examples": 2500, "epochs": 3, "learning_rate": 3e-4, "trainable_layers": 2},
    ),
    TaskEntry(
        name="bert_next_sentence",
        family="bert",
        task_class="zoo.bert.tasks.next_sentence:NextSentenceTask",
        summary="next-sentence prediction on pairs of generated country-fact sentences: next vs random",
        defaults={"sequence_length": 48, "train_examples": 1000, "test_examples": 500},
    ),
)
