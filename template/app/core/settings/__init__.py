"""The settings of each feature, one class per feature; `app.core.config` composes them."""
