"""Align an LLM to a low-resource language: crowd data to a fine-tuned, evaluated model."""

__version__ = "0.1.0"
