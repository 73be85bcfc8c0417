//! Every end-to-end suite, as modules of one test binary: the suites share one link of the
//! whole system instead of one each, which on a small machine is most of their build time.

mod access;
mod access_matrix;
mod analyse_cli;
mod analyser_corpus;
mod api;
mod aws;
mod bundles;
mod contract;
mod deadlines;
mod document_analysis;
mod documents;
mod erasure;
mod exports;
mod extraction;
mod lambda;
mod mobile;
mod random_inputs;
mod request_paths;
mod scanner;
mod store_conformance;
mod sync;
mod tickets;
mod timeline;
