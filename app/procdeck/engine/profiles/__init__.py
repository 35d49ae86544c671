"""Launch profiles on disk (TOML store, import/export) and the launcher that runs them."""
