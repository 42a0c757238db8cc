"""BERT: sentiment classification, extractive QA, entity tagging, masked LM and next-sentence
prediction on keras-hub's BERT, with the pretrained all-MiniLM-L6-v2 backbone by default (offline)."""
