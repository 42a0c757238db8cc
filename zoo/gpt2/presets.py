"""The gpt2 tasks the registry lists: each a named preset with its summary and config defaults."""
from zoo.task_entry import TaskEntry

TASKS = (
    TaskEntry(
        name="gpt2_generate",
        family="gpt2",
        task_class="zoo.gpt2.tasks.generate:GPT2GenerateTask",
        summary="small GPT-2 pre-trained on the World English Bible; prompt in, text out",
    ),
    TaskEntry(
        name="chatbot",
        family="gpt2",
        task_class="zoo.gpt2.tasks.chatbot:ChatbotTask",
        summary="SmolLM2-135M-Instruct LoRA-fine-tuned on chatterbot-corpus questions and answers; question in, answer out",
    ),
)
