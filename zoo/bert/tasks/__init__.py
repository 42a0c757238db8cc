"""The BERT tasks, one module each, every one a small head on a keras-hub BERT backbone served by a
raw-text endpoint: `sentiment` (bert_sentiment), `question_answering` (bert_qa), `entities`
(bert_ner), `masked_lm` (bert_masked_lm) and `next_sentence` (bert_next_sentence). What they
share is `zoo.bert.task.BertTask`; their configs are in `zoo.bert.config`."""
