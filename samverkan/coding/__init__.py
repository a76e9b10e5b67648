"""Qualitative coding of causes: codebook, automatic suggestions, the analysts' sheet, agreement."""

from samverkan.coding.autocode import auto_code, suggest_category
from samverkan.coding.codebook import Codebook, load_codebook

__all__ = ["Codebook", "auto_code", "load_codebook", "suggest_category"]
