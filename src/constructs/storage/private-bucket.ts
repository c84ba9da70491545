import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Construct } from "constructs";

export interface PrivateBucketProps {
  /** Exact bucket name. @default - `bucketPrefix` plus a unique suffix */
  readonly bucketName?: string;
  /** Used when `bucketName` is not given; at most 37 characters. */
  readonly bucketPrefix: string;
  /** Let `destroy` delete a bucket that still holds objects. */
  readonly forceDestroy: boolean;
  /** SSE-KMS with this key (and bucket keys, to keep KMS requests down). @default - SSE-S3 */
  readonly kmsKeyArn?: string;
  /** Keep previous versions, deleted after `noncurrentVersionDays`. @default - no versioning */
  readonly versioning?: { readonly noncurrentVersionDays: number };
  /** Move objects to Standard-IA after this many days. @default - never */
  readonly infrequentAccessAfterDays?: number;
  /** Delete the objects under each prefix (`athena-results/`) this many days after they are written. @default - none */
  readonly expirations?: readonly BucketPrefixExpiration[];
}

/** Objects under `prefix` deleted `days` after they are written, by the lifecycle rule `id`. */
export interface BucketPrefixExpiration {
  readonly id: string;
  /** A key prefix ending in `/`. */
  readonly prefix: string;
  readonly days: number;
}

/**
 * A private S3 bucket (the data lake, the connector plugins): public-access block, bucket-owner-enforced
 * ownership (no ACLs), encrypted at rest (SSE-S3), reachable only over TLS (deny aws:SecureTransport = false).
 */
export class PrivateBucket extends Construct {
  readonly bucket: S3Bucket;

  constructor(scope: Construct, id: string, props: PrivateBucketProps) {
    super(scope, id);
    this.bucket = new S3Bucket(this, "Resource", {
      bucket: props.bucketName,
      bucketPrefix: props.bucketName ? undefined : props.bucketPrefix,
      forceDestroy: props.forceDestroy,
    });

    const publicAccessBlock = new S3BucketPublicAccessBlock(this, "PublicAccessBlock", {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "OwnershipControls", {
      bucket: this.bucket.id,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, "Encryption", {
      bucket: this.bucket.id,
      rule: [
        {
          applyServerSideEncryptionByDefault: props.kmsKeyArn
            ? { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.kmsKeyArn }
            : { sseAlgorithm: "AES256" },
          bucketKeyEnabled: true,
        },
      ],
    });
    const versioning = props.versioning
      ? new S3BucketVersioningA(this, "Versioning", {
          bucket: this.bucket.id,
          versioningConfiguration: { status: "Enabled" },
        })
      : undefined;
    new S3BucketLifecycleConfiguration(this, "Lifecycle", {
      bucket: this.bucket.id,
      rule: [
        {
          id: "abort-incomplete-multipart-uploads",
          status: "Enabled",
          filter: [{}],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
        ...(props.versioning
          ? [
              {
                id: "expire-previous-versions",
                status: "Enabled",
                filter: [{}],
                noncurrentVersionExpiration: [{ noncurrentDays: props.versioning.noncurrentVersionDays }],
              },
            ]
          : []),
        ...(props.infrequentAccessAfterDays
          ? [
              {
                id: "infrequent-access",
                status: "Enabled",
                filter: [{}],
                transition: [{ days: props.infrequentAccessAfterDays, storageClass: "STANDARD_IA" }],
              },
            ]
          : []),
        ...(props.expirations ?? []).map((e) => ({
          id: e.id,
          status: "Enabled",
          filter: [{ prefix: e.prefix }],
          expiration: [{ days: e.days }],
        })),
      ],
      // Lifecycle rules on versions need versioning first.
      dependsOn: versioning ? [versioning] : undefined,
    });

    const tlsOnly = new DataAwsIamPolicyDocument(this, "TlsOnlyPolicyDocument", {
      statement: [
        {
          sid: "DenyInsecureTransport",
          effect: "Deny",
          principals: [{ type: "*", identifiers: ["*"] }],
          actions: ["s3:*"],
          resources: [this.bucket.arn, `${this.bucket.arn}/*`],
          condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
        },
      ],
    });
    new S3BucketPolicy(this, "Policy", {
      bucket: this.bucket.id,
      policy: tlsOnly.json,
      // S3 rejects a policy write while the public-access block is being changed.
      dependsOn: [publicAccessBlock],
    });
  }

  get name(): string {
    return this.bucket.bucket;
  }

  get arn(): string {
    return this.bucket.arn;
  }
}
