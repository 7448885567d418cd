"""Soft-failure flags: signs that an extracted "article" is not really one.

Every flag rule is here. Flagged articles are still stored; the flags are columns to query
(``where flag_interstitial is not null``).  Knows nothing of Scrapy or SQLite.
"""

from __future__ import annotations

from typing import Any

from archiver.text.words import count as count_words

# A page that stands in front of the article instead of it.  Phrases are
# matched in short texts only: a long text that mentions a CAPTCHA is an article.
# English, then German, French, Spanish, Italian, Portuguese and Dutch; no text
# of the 945 corpus pages (all articles) holds any of them.
INTERSTITIALS: dict[str, tuple[str, ...]] = {
    "javascript": ("enable javascript", "javascript is disabled", "javascript is required", "turn on javascript",
                   "javascript must be enabled", "requires javascript",
                   "javascript aktivieren", "aktivieren sie javascript", "javascript ist deaktiviert",
                   "activer javascript", "activez javascript", "habilitar javascript", "habilita javascript",
                   "activa javascript", "abilitare javascript", "abilita javascript", "ativar o javascript",
                   "habilite o javascript", "javascript inschakelen", "schakel javascript in"),
    "consent": ("we value your privacy", "accept all cookies", "manage your cookie", "cookie preferences",
                "consent to the use of cookies", "your privacy choices", "reject all",
                "alle cookies akzeptieren", "cookie-einstellungen", "alle akzeptieren", "accepter tous les cookies",
                "tout accepter", "paramètres des cookies", "gérer les cookies", "aceptar todas las cookies",
                "configuración de cookies", "accetta tutti i cookie", "alle cookies accepteren"),
    "paywall": ("subscribe to continue reading", "to continue reading", "subscribers only", "for subscribers only",
                "already a subscriber", "sign in to read", "subscribe to read",
                "jetzt abonnieren", "nur für abonnenten", "bereits abonnent", "réservé aux abonnés", "déjà abonné",
                "abonnez-vous pour lire", "solo para suscriptores", "ya eres suscriptor",
                "suscríbete para seguir leyendo", "riservato agli abbonati", "sei già abbonato",
                "alleen voor abonnees"),
    "captcha": ("captcha", "are you a robot", "verify you are human", "checking your browser", "unusual traffic",
                "sind sie ein roboter", "êtes-vous un robot", "eres un robot", "no soy un robot", "sei un robot"),
}
INTERSTITIAL_MAX_WORDS = 300
MOSTLY_LINKS = 0.5  # share of the text's words that are link text


def interstitial(title: str | None, text: str, word_count: int) -> str | None:
    """The kind of interstitial (javascript, consent, paywall, captcha) the text is, or None."""
    if word_count > INTERSTITIAL_MAX_WORDS:
        return None
    haystack = f"{title or ''}\n{text}".lower()
    return next((kind for kind, phrases in INTERSTITIALS.items() if any(p in haystack for p in phrases)), None)


def link_texts(tree: Any) -> set[str]:
    """Every link's text on the page, whitespace folded (read before extraction changes the tree)."""
    return {" ".join(a.text_content().split()) for a in tree.iter("a")} - {""}


def link_share(text: str, links: set[str]) -> float:
    """Share of the text's words in lines that are exactly a link's text (a list of headlines, a menu)."""
    total = linked = 0
    for line in text.splitlines():
        words = count_words(line)
        total += words
        if " ".join(line.split()) in links:
            linked += words
    return linked / total if total else 0.0


# An article shorter than this share of its site's average, or than
# SHORT_WORDS words, is too short (once the site has SHORT_MIN_PAGES others).
SHORT_SHARE, SHORT_WORDS, SHORT_MIN_PAGES = 0.25, 50, 3


def mostly_links(share: float) -> bool:
    """A text most of whose words are link texts: a list of headlines, a menu."""
    return share > MOSTLY_LINKS


def too_short(words: int, site_articles: int, site_words: int) -> bool:
    """Under :data:`SHORT_WORDS` words, or (once the site has enough other articles) under a share of their average."""
    average = site_words / site_articles if site_articles >= SHORT_MIN_PAGES else 0
    return words < max(SHORT_WORDS, SHORT_SHARE * average)
