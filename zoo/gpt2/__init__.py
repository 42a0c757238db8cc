"""GPT: GPT-2 text generation pre-trained offline on the World English Bible, and a
question-answering chatbot fine-tuned from a pretrained causal LM (SmolLM2-135M-Instruct,
shipped offline) on chatterbot-corpus, both served with the decoding loop inside the SavedModel."""
from zoo.registry import TaskEntry

TASKS = (
    TaskEntry("gpt2_generate", "gpt2", "zoo.gpt2.task:GPT2GenerateTask",
              "small GPT-2 pre-trained on the World English Bible; prompt in, text out"),
    TaskEntry("chatbot", "gpt2", "zoo.gpt2.task:ChatbotTask",
              "SmolLM2-135M-Instruct LoRA-fine-tuned on chatterbot-corpus questions and answers; question in, answer out"),
)
