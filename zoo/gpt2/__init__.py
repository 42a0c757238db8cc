"""GPT-2: text generation pre-trained offline on the World English Bible, and a
question-answering chatbot fine-tuned on chatterbot-corpus, served with the decoding loop
inside the SavedModel."""
from zoo.registry import TaskEntry

TASKS = (
    TaskEntry("gpt2_generate", "gpt2", "zoo.gpt2.task:GPT2GenerateTask",
              "small GPT-2 pre-trained on the World English Bible; prompt in, text out"),
    TaskEntry("gpt2_chatbot", "gpt2", "zoo.gpt2.task:GPT2ChatbotTask",
              "GPT-2 fine-tuned on chatterbot-corpus questions and answers; question in, answer out"),
)
