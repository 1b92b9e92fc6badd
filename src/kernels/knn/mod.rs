//! k-nearest-neighbour estimators over samples of continuous variables: entropy
//! (Kozachenko-Leonenko), mutual information (Kraskov-Stoegbauer-Grassberger 1, as
//! scikit-learn) and KL divergence (Wang-Kulkarni-Verdu), over an exact neighbour search (a k-d
//! tree, or sorted values in one dimension).

mod digamma;
mod divergence;
mod entropy;
mod mutual;
mod queries;
mod samples;
mod sorted;
pub mod tree;

pub use digamma::digamma;
pub use divergence::knn_kl_divergence;
pub use entropy::{knn_entropy, ln_unit_ball};
pub use mutual::{knn_mutual_information, knn_mutual_information_many};
pub use samples::Samples;
