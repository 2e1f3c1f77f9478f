//! The embedded development store: an S3-compatible server in-process
//! (s3s over the file system). It checks SigV4 signatures, expiry and signed
//! headers as R2 does, and reports each completed PUT so uploads complete at
//! once (SPEC §3.10). The server's embedded mode and the tests use it through
//! the same [`S3Storage`] adapter as production. Browsers of the allowed
//! origins may use its presigned URLs ([`cors`]).

pub mod cors;

use std::net::SocketAddr;
use std::path::Path;

use async_trait::async_trait;
use http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use s3s::dto::*;
use s3s::{S3, S3Request, S3Response, S3Result};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use media_core::error::{Error, Result};

use crate::config::AllowedOrigins;
use crate::s3::{S3Config, S3Storage};

/// The file-system store, reporting completed PUTs.
struct Reporting {
    fs: s3s_fs::FileSystem,
    on_put: Option<mpsc::UnboundedSender<String>>,
}

#[async_trait]
impl S3 for Reporting {
    async fn put_object(
        &self,
        req: S3Request<PutObjectInput>,
    ) -> S3Result<S3Response<PutObjectOutput>> {
        let key = req.input.key.clone();
        let out = self.fs.put_object(req).await?;
        if let Some(tx) = &self.on_put {
            let _ = tx.send(key);
        }
        Ok(out)
    }
    async fn get_object(
        &self,
        req: S3Request<GetObjectInput>,
    ) -> S3Result<S3Response<GetObjectOutput>> {
        self.fs.get_object(req).await
    }
    async fn head_object(
        &self,
        req: S3Request<HeadObjectInput>,
    ) -> S3Result<S3Response<HeadObjectOutput>> {
        self.fs.head_object(req).await
    }
    async fn delete_object(
        &self,
        req: S3Request<DeleteObjectInput>,
    ) -> S3Result<S3Response<DeleteObjectOutput>> {
        self.fs.delete_object(req).await
    }
    async fn delete_objects(
        &self,
        req: S3Request<DeleteObjectsInput>,
    ) -> S3Result<S3Response<DeleteObjectsOutput>> {
        self.fs.delete_objects(req).await
    }
    async fn list_objects(
        &self,
        req: S3Request<ListObjectsInput>,
    ) -> S3Result<S3Response<ListObjectsOutput>> {
        self.fs.list_objects(req).await
    }
    async fn list_objects_v2(
        &self,
        req: S3Request<ListObjectsV2Input>,
    ) -> S3Result<S3Response<ListObjectsV2Output>> {
        self.fs.list_objects_v2(req).await
    }
    async fn head_bucket(
        &self,
        req: S3Request<HeadBucketInput>,
    ) -> S3Result<S3Response<HeadBucketOutput>> {
        self.fs.head_bucket(req).await
    }
    async fn create_bucket(
        &self,
        req: S3Request<CreateBucketInput>,
    ) -> S3Result<S3Response<CreateBucketOutput>> {
        self.fs.create_bucket(req).await
    }
    async fn list_buckets(
        &self,
        req: S3Request<ListBucketsInput>,
    ) -> S3Result<S3Response<ListBucketsOutput>> {
        self.fs.list_buckets(req).await
    }
    // Multipart uploads (archives): written by jobs, so not reported.
    async fn create_multipart_upload(
        &self,
        req: S3Request<CreateMultipartUploadInput>,
    ) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
        self.fs.create_multipart_upload(req).await
    }
    async fn upload_part(
        &self,
        req: S3Request<UploadPartInput>,
    ) -> S3Result<S3Response<UploadPartOutput>> {
        self.fs.upload_part(req).await
    }
    async fn complete_multipart_upload(
        &self,
        req: S3Request<CompleteMultipartUploadInput>,
    ) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
        self.fs.complete_multipart_upload(req).await
    }
    async fn abort_multipart_upload(
        &self,
        req: S3Request<AbortMultipartUploadInput>,
    ) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
        self.fs.abort_multipart_upload(req).await
    }
}

/// A running development store. Dropping it stops the listener.
pub struct DevStore {
    addr: SocketAddr,
    config: S3Config,
    task: JoinHandle<()>,
}

impl Drop for DevStore {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl std::fmt::Debug for DevStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevStore")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// The store's credential, kept beside its folder (`data/store-secret`), so
/// a CLI beside the server can talk to the server's store instead of opening
/// the folder itself (s3s-fs deletes in-progress uploads when it opens one).
fn secret_path(root: &Path) -> std::path::PathBuf {
    root.with_file_name("store-secret")
}

const ACCESS_KEY: &str = "media-dev";

impl DevStore {
    /// Serves `root` on `addr` (port 0 picks one) with bucket `bucket`;
    /// completed PUT keys go to `on_put`. No browser origin may use it.
    pub async fn start(
        root: &Path,
        addr: SocketAddr,
        bucket: &str,
        on_put: Option<mpsc::UnboundedSender<String>>,
    ) -> Result<Self> {
        Self::start_for(root, addr, bucket, on_put, AllowedOrigins::none()).await
    }

    /// [`DevStore::start`], answering browsers of `origins` (SPEC §1.6).
    pub async fn start_for(
        root: &Path,
        addr: SocketAddr,
        bucket: &str,
        on_put: Option<mpsc::UnboundedSender<String>>,
        origins: AllowedOrigins,
    ) -> Result<Self> {
        let fail = |what: &str, e: &dyn std::fmt::Display| {
            Error::unavailable(format!("embedded store: {what}: {e}"))
        };
        std::fs::create_dir_all(root.join(bucket)).map_err(|e| fail("creating its folder", &e))?;
        let fs = s3s_fs::FileSystem::new(root)
            .map_err(|e| fail("opening its folder", &format!("{e:?}")))?;
        let access_key = ACCESS_KEY.to_owned();
        let secret = crate::secret_file::read_or_create(&secret_path(root))
            .map_err(|e| fail("its credential", &e))?;
        let mut builder = s3s::service::S3ServiceBuilder::new(Reporting { fs, on_put });
        builder.set_auth(s3s::auth::SimpleAuth::from_single(
            access_key.clone(),
            secret.clone(),
        ));
        let service = builder.build();
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| fail(&format!("binding {addr}"), &e))?;
        let addr = listener.local_addr().map_err(|e| fail("address", &e))?;
        let origins = std::sync::Arc::new(origins);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let service = service.clone();
                let origins = origins.clone();
                tokio::spawn(async move {
                    let with_cors = hyper::service::service_fn(move |req: Request<Incoming>| {
                        let service = service.clone();
                        let origin = cors::allowed_origin(&origins, req.headers());
                        let preflight = cors::is_preflight(req.method(), req.headers())
                            .then(|| cors::preflight(origin.clone(), req.headers()));
                        async move {
                            if let Some(answer) = preflight {
                                return Ok(answer);
                            }
                            let mut response = hyper::service::Service::call(&service, req).await?;
                            cors::decorate(&mut response, origin);
                            Ok::<_, s3s::HttpError>(response)
                        }
                    });
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), with_cors)
                        .await;
                });
            }
        });
        let config = S3Config {
            endpoint: format!("http://{addr}"),
            bucket: bucket.to_owned(),
            region: "auto".to_owned(),
            access_key_id: access_key,
            secret_access_key: secret,
            public_url: None,
        };
        Ok(Self { addr, config, task })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How to reach the embedded store a running server serves for `root`
    /// on `addr`, if one answers there; `None` when nothing listens.
    pub async fn running(root: &Path, addr: SocketAddr, bucket: &str) -> Option<S3Config> {
        if addr.port() == 0 {
            return None;
        }
        // 300 ms: the store is on this machine; nothing answering by then is down.
        let probe = tokio::net::TcpStream::connect(addr);
        tokio::time::timeout(std::time::Duration::from_millis(300), probe)
            .await
            .ok()?
            .ok()?;
        let secret = std::fs::read_to_string(secret_path(root)).ok()?;
        Some(S3Config {
            endpoint: format!("http://{addr}"),
            bucket: bucket.to_owned(),
            region: "auto".to_owned(),
            access_key_id: ACCESS_KEY.to_owned(),
            secret_access_key: secret.trim().to_owned(),
            public_url: None,
        })
    }

    /// How to reach it with [`S3Storage`].
    pub fn config(&self) -> &S3Config {
        &self.config
    }

    /// An S3 client of it.
    pub fn storage(&self) -> S3Storage {
        S3Storage::new(&self.config)
    }
}
