//! One end-to-end test per backend.

/// One test per backend for each named `async fn(postgres: bool)`:
/// `sqlite::name` and `postgres::name`, so that a failure on one backend
/// never hides the other's result (what `contract_tests!` does for the
/// repositories). Without a configured Postgres the `postgres::` tests pass
/// empty, unless `MEDIA_REQUIRE_POSTGRES=1`.
macro_rules! backend_tests {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(false).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(true).await;
                }
            )+
        }
    };
}
pub(crate) use backend_tests;
