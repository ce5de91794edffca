"""Versioned prompts and the LLM calls that use them, with validated, cited outputs.

Every task here has a fallback in `insights/`: an invalid or failed LLM answer is retried once
and then replaced by the offline result, and callers say which engine wrote what.
"""
