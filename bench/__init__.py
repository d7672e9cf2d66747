"""Latency, throughput and memory benchmark: the project against a textbook LangChain RAG."""
