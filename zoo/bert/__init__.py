"""BERT: sentiment classification, extractive QA, entity tagging, masked LM and next-sentence
prediction on keras-hub's BERT, with the pretrained all-MiniLM-L6-v2 backbone by default (offline)."""
from zoo.registry import TaskEntry

TASKS = (
    TaskEntry("bert_sentiment", "bert", "zoo.bert.tasks.sentiment:SentimentTask",
              "tweet sentiment (3 classes) with pretrained MiniLM BERT, vs TF-IDF + logistic regression",
              {"sequence_length": 48, "train_examples": 2500}),
    TaskEntry("bert_qa", "bert", "zoo.bert.tasks.question_answering:QuestionAnsweringTask",
              "extractive question answering on generated country facts (or SQuAD v1.1 JSON)",
              {"sequence_length": 96, "window_stride": 48, "train_examples": 1200, "test_examples": 400,
               "batch_size": 16, "learning_rate": 1e-4}),
    TaskEntry("bert_ner", "bert", "zoo.bert.tasks.entities:EntityTask",
              "named entities (PER/LOC/ORG) on sentences with real names and places (or CoNLL files)",
              {"sequence_length": 48, "train_examples": 1500, "test_examples": 500, "learning_rate": 1e-4}),
    TaskEntry("bert_masked_lm", "bert", "zoo.bert.tasks.masked_lm:MaskedLMTask",
              "fill-mask; further pre-training on tweets with 80/10/10 masking",
              {"sequence_length": 48, "train_examples": 2500, "learning_rate": 1e-4}),
    TaskEntry("bert_next_sentence", "bert", "zoo.bert.tasks.next_sentence:NextSentenceTask",
              "next-sentence prediction on pairs of generated country-fact sentences: next vs random",
              {"sequence_length": 48, "train_examples": 1000, "test_examples": 500}),
)
