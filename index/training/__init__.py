"""Fine-tuning the embedding model: one recipe object, the trainer and the saved folder."""
