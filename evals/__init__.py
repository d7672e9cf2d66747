"""Evaluation of the bot: the gold cases, their scoring, the calibrator fit and the textbook
baseline. Not part of the product package; run as ``python -m evals``."""
