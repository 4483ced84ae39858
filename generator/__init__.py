"""OpenAffairs: turn a procuratorate's repository of records into its open-affairs website.

The pipeline, one module per stage (see ``pipeline.build``)::

    config      site_config.yml        -> SiteConfig
    loading     content/**.md          -> SourceDocument   (front matter + line map)
    validation  SourceDocument         -> Record           (typed, cross-checked)
    approval    Record                 -> Decision         (publish / held back / tombstone)
    privacy     Record + Decision      -> PublicRecord     (the only thing renderers see)
    rendering   PublicRecord           -> Markdown pages for mkdocs-material
    site        pages                  -> staged mkdocs build, atomic swap into --out
"""

__version__ = "0.1.0"
