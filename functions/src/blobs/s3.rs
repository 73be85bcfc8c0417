//! The S3 adapter: presigned PUT to an upload slot (content type, length and SSE-KMS are signed,
//! so the client must upload exactly what was declared), promotion into the document's key by
//! a conditional server-side copy, presigned GET, and deletion of every version.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::presigning::{PresignedRequest, PresigningConfig};
use aws_sdk_s3::types::ServerSideEncryption;

use super::*;

#[derive(Clone)]
pub struct S3Blobs {
    client: Client,
    bucket: String,
    /// The KMS key for SSE-KMS; `None` uses the bucket's default `aws:kms` key.
    kms_key: Option<String>,
}

fn backend(e: impl std::fmt::Display) -> BlobError {
    BlobError::Backend(e.to_string())
}

fn presigned(method: &'static str, p: PresignedRequest, expires: Duration) -> Presigned {
    Presigned {
        method,
        url: p.uri().to_owned(),
        headers: p.headers().map(|(k, v)| (k.to_owned(), v.to_owned())).collect(),
        expires_at: Utc::now() + chrono::Duration::from_std(expires).unwrap_or_default(),
    }
}

impl S3Blobs {
    pub fn new(client: Client, bucket: impl Into<String>, kms_key: Option<String>) -> Self {
        Self { client, bucket: bucket.into(), kms_key }
    }

    /// A client from the standard AWS environment. Path-style addressing when an endpoint is
    /// overridden (emulators and S3-compatible stores).
    /// The bucket's name.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    pub async fn from_env(bucket: impl Into<String>, kms_key: Option<String>) -> Self {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let path_style =
            std::env::var_os("AWS_ENDPOINT_URL").is_some() || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some();
        let s3 = aws_sdk_s3::config::Builder::from(&config).force_path_style(path_style).build();
        Self::new(Client::from_conf(s3), bucket, kms_key)
    }

    /// Creates the bucket (local runs and tests; production buckets come from the template).
    pub async fn create_bucket(&self) -> Result<(), BlobError> {
        let region = self.client.config().region().map(|r| r.as_ref().to_owned()).unwrap_or_default();
        let mut create = self.client.create_bucket().bucket(&self.bucket);
        if !region.is_empty() && region != "us-east-1" {
            let location = aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(region.as_str()))
                .build();
            create = create.create_bucket_configuration(location);
        }
        match create.send().await {
            Ok(_) => {}
            Err(e) if matches!(e.code(), Some("BucketAlreadyOwnedByYou" | "BucketAlreadyExists")) => {}
            Err(e) => return Err(backend(e.into_service_error())),
        }
        // Versioned, as the template makes it, so deletion is tested against kept versions.
        let versioning = aws_sdk_s3::types::VersioningConfiguration::builder()
            .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
            .build();
        self.client
            .put_bucket_versioning()
            .bucket(&self.bucket)
            .versioning_configuration(versioning)
            .send()
            .await
            .map_err(|e| backend(e.into_service_error()))?;
        Ok(())
    }

    /// Every version and delete marker under the prefix: `(key, version id, size)`.
    async fn versions_under(&self, prefix: &str) -> Result<Vec<(String, String, u64)>, BlobError> {
        let mut out = Vec::new();
        let (mut key_marker, mut version_marker): (Option<String>, Option<String>) = (None, None);
        loop {
            let page = self
                .client
                .list_object_versions()
                .bucket(&self.bucket)
                .prefix(prefix)
                .set_key_marker(key_marker.take())
                .set_version_id_marker(version_marker.take())
                .send()
                .await
                .map_err(|e| backend(e.into_service_error()))?;
            for v in page.versions() {
                if let (Some(k), Some(id)) = (v.key(), v.version_id()) {
                    out.push((k.to_owned(), id.to_owned(), v.size().unwrap_or(0).max(0) as u64));
                }
            }
            for m in page.delete_markers() {
                if let (Some(k), Some(id)) = (m.key(), m.version_id()) {
                    out.push((k.to_owned(), id.to_owned(), 0));
                }
            }
            if page.is_truncated() == Some(true) {
                key_marker = page.next_key_marker().map(str::to_owned);
                version_marker = page.next_version_id_marker().map(str::to_owned);
            } else {
                return Ok(out);
            }
        }
    }

    /// Every stored version (and delete marker) of exactly `key`, by version id (also for an
    /// operator checking an erasure).
    pub async fn versions(&self, key: &str) -> Result<Vec<String>, BlobError> {
        Ok(self.versions_under(key).await?.into_iter().filter(|(k, ..)| k == key).map(|(_, id, _)| id).collect())
    }
}

/// A multipart upload in progress.
struct S3Parts {
    client: Client,
    bucket: String,
    key: String,
    upload_id: String,
    parts: Vec<aws_sdk_s3::types::CompletedPart>,
}

#[async_trait]
impl PartWriter for S3Parts {
    async fn write_part(&mut self, bytes: Vec<u8>) -> Result<(), BlobError> {
        let number = self.parts.len() as i32 + 1;
        let uploaded = self
            .client
            .upload_part()
            .bucket(&self.bucket)
            .key(&self.key)
            .upload_id(&self.upload_id)
            .part_number(number)
            .body(bytes.into())
            .send()
            .await
            .map_err(|e| backend(e.into_service_error()))?;
        let part = aws_sdk_s3::types::CompletedPart::builder()
            .part_number(number)
            .set_e_tag(uploaded.e_tag().map(str::to_owned))
            .build();
        self.parts.push(part);
        Ok(())
    }

    async fn finish(self: Box<Self>) -> Result<(), BlobError> {
        let parts = aws_sdk_s3::types::CompletedMultipartUpload::builder().set_parts(Some(self.parts)).build();
        self.client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(&self.key)
            .upload_id(&self.upload_id)
            .multipart_upload(parts)
            .send()
            .await
            .map_err(|e| backend(e.into_service_error()))?;
        Ok(())
    }

    async fn abort(self: Box<Self>) {
        let aborted = self
            .client
            .abort_multipart_upload()
            .bucket(&self.bucket)
            .key(&self.key)
            .upload_id(&self.upload_id)
            .send()
            .await;
        if let Err(e) = aborted {
            tracing::warn!(error = %backend(e.into_service_error()), "a multipart upload could not be aborted");
        }
    }
}

#[async_trait]
impl Blobs for S3Blobs {
    async fn put_in_parts(&self, key: &str, content_type: &str) -> Result<Box<dyn PartWriter>, BlobError> {
        let started = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .server_side_encryption(ServerSideEncryption::AwsKms)
            .set_ssekms_key_id(self.kms_key.clone())
            .send()
            .await
            .map_err(|e| backend(e.into_service_error()))?;
        let upload_id = started.upload_id().ok_or_else(|| BlobError::Backend("no multipart upload id".into()))?;
        Ok(Box::new(S3Parts {
            client: self.client.clone(),
            bucket: self.bucket.clone(),
            key: key.to_owned(),
            upload_id: upload_id.to_owned(),
            parts: Vec::new(),
        }))
    }

    async fn delete_prefix(&self, prefix: &str) -> Result<Removed, BlobError> {
        let mut removed = Removed::default();
        let mut keys = std::collections::BTreeSet::new();
        for (key, version, size) in self.versions_under(prefix).await? {
            self.client
                .delete_object()
                .bucket(&self.bucket)
                .key(&key)
                .version_id(version)
                .send()
                .await
                .map_err(|e| backend(e.into_service_error()))?;
            removed.bytes += size;
            keys.insert(key);
        }
        removed.objects = keys.len() as u64;
        Ok(removed)
    }

    async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        size: u64,
        expires: Duration,
    ) -> Result<Presigned, BlobError> {
        check_put(size, expires)?;
        let config = PresigningConfig::expires_in(expires).map_err(backend)?;
        let req = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .content_length(size as i64)
            .server_side_encryption(ServerSideEncryption::AwsKms)
            .set_ssekms_key_id(self.kms_key.clone())
            .presigned(config)
            .await
            .map_err(backend)?;
        Ok(presigned("PUT", req, expires))
    }

    async fn presign_get(&self, key: &str, expires: Duration) -> Result<Presigned, BlobError> {
        check_get(expires)?;
        let config = PresigningConfig::expires_in(expires).map_err(backend)?;
        let req = self.client.get_object().bucket(&self.bucket).key(key).presigned(config).await.map_err(backend)?;
        Ok(presigned("GET", req, expires))
    }

    async fn head(&self, key: &str) -> Result<Option<BlobMeta>, BlobError> {
        match self.client.head_object().bucket(&self.bucket).key(key).send().await {
            Ok(h) => Ok(Some(BlobMeta {
                size: h.content_length().unwrap_or(0).max(0) as u64,
                content_type: h.content_type().map(str::to_owned),
            })),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(None),
            Err(e) => Err(backend(e.into_service_error())),
        }
    }

    async fn read(&self, key: &str) -> Result<Option<Vec<u8>>, BlobError> {
        let out = match self.client.get_object().bucket(&self.bucket).key(key).send().await {
            Ok(o) => o,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => return Ok(None),
            Err(e) => return Err(backend(e.into_service_error())),
        };
        let mut body = out.body;
        let mut bytes = Vec::new();
        while let Some(chunk) = body.try_next().await.map_err(backend)? {
            if (bytes.len() + chunk.len()) as u64 > MAX_SIZE {
                return Err(BlobError::TooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Some(bytes))
    }

    async fn promote(&self, from: &str, to: &str) -> Result<Option<(u64, String)>, BlobError> {
        use sha2::Digest;
        let out = match self.client.get_object().bucket(&self.bucket).key(from).send().await {
            Ok(o) => o,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => return Ok(None),
            Err(e) => return Err(backend(e.into_service_error())),
        };
        let etag = out.e_tag().map(str::to_owned).ok_or_else(|| backend("upload without an ETag"))?;
        let mut body = out.body;
        let (mut hasher, mut size) = (sha2::Sha256::new(), 0u64);
        while let Some(chunk) = body.try_next().await.map_err(backend)? {
            size += chunk.len() as u64;
            if size > MAX_SIZE {
                return Err(BlobError::TooLarge);
            }
            hasher.update(&chunk);
        }
        // Copied only if the upload is still the object just hashed (a re-upload meanwhile
        // fails the copy): the document's key holds exactly the bytes measured.
        let source = format!("{}/{}", self.bucket, from);
        self.client
            .copy_object()
            .bucket(&self.bucket)
            .key(to)
            .copy_source(source)
            .copy_source_if_match(etag)
            .server_side_encryption(ServerSideEncryption::AwsKms)
            .set_ssekms_key_id(self.kms_key.clone())
            .send()
            .await
            .map_err(|e| backend(e.into_service_error()))?;
        self.delete(from).await?;
        Ok(Some((size, hex(&hasher.finalize()))))
    }

    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), BlobError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(bytes.into())
            .server_side_encryption(ServerSideEncryption::AwsKms)
            .set_ssekms_key_id(self.kms_key.clone())
            .send()
            .await
            .map_err(|e| backend(e.into_service_error()))?;
        Ok(())
    }

    /// Deletes every version of the key (the bucket is versioned): nothing of a deleted
    /// document stays behind as a noncurrent version.
    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        for version in self.versions(key).await? {
            self.client
                .delete_object()
                .bucket(&self.bucket)
                .key(key)
                .version_id(version)
                .send()
                .await
                .map_err(|e| backend(e.into_service_error()))?;
        }
        Ok(())
    }
}
