"""Stage 4: the static site — pages, Markdown, assets and output (:mod:`.pages`)."""

from .pages import claim_site, default_site_dir, write_site

__all__ = ['claim_site', 'default_site_dir', 'write_site']
