// The part of @aws-sdk/client-s3 the s3 backend uses, one module to import lazily: the
// CLI's bundle makes it a chunk with these commands only (not the client's ~100).
export {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
