"""Reports: the versioned JSON documents out and back in, and their Markdown, HTML, diff and
CI renderings."""
