"""The configuration: the ``[perfaudit]`` section and the flags, read into frozen objects."""
