//! Querying one document against a set of candidate documents (see the index issue).
