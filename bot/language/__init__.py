"""Vietnamese text: normalisation, chat-spelling lexicon, number masking, fuzzy matching."""

from bot.language.normalise import Normalised, fold, normalise

__all__ = ["Normalised", "fold", "normalise"]
