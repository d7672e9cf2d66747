"""All settings in one typed object, read from ``BOT_*`` environment variables once."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.prompts import packaged_prompts

# The source checkout, for the evaluation's own files; the bot reads nothing from it.
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class LLMSpec:
    """``BOT_LLM`` parsed: the bundled local model, none (extractive), or a LangChain provider."""

    kind: Literal["local", "extractive", "provider"]
    provider: str = ""
    model: str = ""

    @classmethod
    def parse(cls, spec: str) -> LLMSpec:
        text = spec.strip()
        if text in {"", "local"}:
            return cls("local")
        if text == "extractive":
            return cls("extractive")
        provider, _, model = text.partition(":")
        return cls("provider", provider.strip(), model.strip())

    @property
    def serialised(self) -> bool:
        """Whether answers must be written one at a time (one llama.cpp context)."""
        return self.kind == "local"

    def __str__(self) -> str:
        return f"{self.provider}:{self.model}" if self.kind == "provider" else self.kind


class Settings(BaseSettings):
    """Every field can be set as ``BOT_<NAME>`` (see ``.env.example``).

    Relative paths are relative to the working directory (the repository root for ``make run``).
    """

    model_config = SettingsConfigDict(env_prefix="BOT_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path(".data"), description="Models, index, feedback and logs.")
    corpus_dir: Path = Field(Path("corpus"), description="Documents to index (.txt, .md).")
    prompts_dir: Path = Field(
        "",
        validate_default=True,
        description="Prompt templates, loaded by name; empty = those shipped with the package.",
    )
    chroma_url: str = Field(
        "", description="Chroma server URL; empty = embedded store in data_dir."
    )
    collection: str = Field("article", description="Chroma collection name.")
    llm: str = Field(
        "local",
        description="'local' (bundled Qwen2.5 GGUF), 'extractive' (no LLM), or 'provider:model'.",
    )
    answering: Literal["evidence", "free"] = Field(
        "evidence",
        description="'evidence': the model chooses the sentences that answer and the answer is "
        "those sentences (translated if needed); 'free': the model writes, then is verified.",
    )
    llm_timeout_s: float = Field(60.0, description="Give up on the LLM after this many seconds.")
    llm_max_tokens: int = Field(200, description="Upper bound on generated tokens per answer.")
    llm_threads: int = Field(2, description="CPU threads for the local LLM.")
    llm_ctx: int = Field(2048, description="Context window of the local LLM.")
    llm_batch: int = Field(
        128,
        description="Prompt tokens the local LLM reads per step; llama.cpp keeps a logits buffer "
        "of this many rows (0.6 MB each).",
    )
    llm_path: str = Field("", description="Use this GGUF file instead of the bundled model.")
    embedder: str = Field(
        "e5",
        description="'e5' (bundled multilingual-e5-small, French and English in one space), "
        "'minilm' (bundled all-MiniLM-L6-v2, English) or a sentence-transformers path/model id.",
    )
    top_k: int = Field(4, description="Passages retrieved per question.")
    full_context_chars: int = Field(
        6000,
        description="A corpus up to this size is given whole to the LLM (as a cached prompt "
        "prefix) with the retrieved passages flagged; a larger one gets only those passages.",
    )
    answer_chars: int = Field(
        600,
        description="A factual answer longer than this leaves out the quotes the model ranks "
        "lowest (the best one is always quoted), and a sentence too long for it alone is quoted "
        "by the run of its pieces that fits; 0 = no bound.",
    )
    max_question_chars: int = Field(2000, description="Longer questions are refused.")
    max_history_turns: int = Field(20, description="Only the latest turns are used.")
    host: str = Field("127.0.0.1", description="UI bind address.")
    port: int = Field(7860, description="UI port.")
    share: bool = Field(False, description="Create a public Gradio share link.")
    concurrency: int = Field(
        4,
        description="Answers written at once by a provider LLM or extracts (the local LLM writes "
        "one at a time), and concurrent light UI events.",
    )
    queue_max: int = Field(
        10,
        ge=0,
        description="Questions that may wait for the model at once; past this, the page says "
        "'busy, try again in a moment' and the API returns an error at once.",
    )
    auth: SecretStr = Field(
        SecretStr(""),
        description="Sign-in for the page and the API: 'user:password' pairs separated by commas, "
        "or the path of a password file of salted hashes (python -m bot adduser NAME).",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO",
        description="Log level of the web app; questions and answers are logged at DEBUG only.",
    )
    allow_anonymous: bool = Field(
        False,
        description="Serve without sign-in on a non-loopback BOT_HOST or a share link "
        "(otherwise the app refuses to start).",
    )

    @field_validator("prompts_dir", mode="before")
    @classmethod
    def _packaged_prompts(cls, value: object) -> object:
        return value or packaged_prompts()

    @property
    def llm_spec(self) -> LLMSpec:
        return LLMSpec.parse(self.llm)

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def feedback_path(self) -> Path:
        return self.data_dir / "feedback.jsonl"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
