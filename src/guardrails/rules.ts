import type { Rule } from "./rule";
import { IamWildcards } from "./rules/iam-wildcards";
import { KmsCustomerManaged } from "./rules/kms-customer-managed";
import { LiteralSecret } from "./rules/literal-secret";
import { LogRetention } from "./rules/log-retention";
import { LogRetentionYear } from "./rules/log-retention-year";
import { MskAuthAndTls } from "./rules/msk-auth-tls";
import { MskConnectAuthAndTls } from "./rules/msk-connect-auth-tls";
import { MskReplication } from "./rules/msk-replication";
import { MskStorageAutoscaling } from "./rules/msk-storage-autoscaling";
import { NetworkFlowLogs } from "./rules/network-flow-logs";
import { NetworkOpenIngress } from "./rules/network-open-ingress";
import { NetworkPublicWorkloads } from "./rules/network-public-workloads";
import { RdsBackups } from "./rules/rds-backups";
import { RdsDeletionProtection } from "./rules/rds-deletion-protection";
import { RdsEncryption } from "./rules/rds-encryption";
import { RdsForceSsl } from "./rules/rds-force-ssl";
import { RdsLogExports } from "./rules/rds-log-exports";
import { RdsMultiAz } from "./rules/rds-multi-az";
import { RdsPerformanceInsights } from "./rules/rds-performance-insights";
import { RdsPublic } from "./rules/rds-public";
import { RdsStaticParameters } from "./rules/rds-static-parameters";
import { RdsWalCap } from "./rules/rds-wal-cap";
import { S3Encryption } from "./rules/s3-encryption";
import { S3ForceDestroy } from "./rules/s3-force-destroy";
import { S3Lifecycle } from "./rules/s3-lifecycle";
import { S3PublicAccessBlock } from "./rules/s3-public-access-block";
import { S3TlsOnly } from "./rules/s3-tls-only";
import { S3Versioning } from "./rules/s3-versioning";

/** Every guardrail, in the order RULES.md lists them. */
export const ALL_RULES: readonly Rule[] = [
  RdsPublic,
  RdsEncryption,
  RdsWalCap,
  RdsStaticParameters,
  RdsMultiAz,
  RdsDeletionProtection,
  RdsBackups,
  RdsForceSsl,
  RdsPerformanceInsights,
  RdsLogExports,
  NetworkOpenIngress,
  NetworkFlowLogs,
  NetworkPublicWorkloads,
  KmsCustomerManaged,
  MskAuthAndTls,
  MskStorageAutoscaling,
  MskReplication,
  MskConnectAuthAndTls,
  S3PublicAccessBlock,
  S3Encryption,
  S3TlsOnly,
  S3Versioning,
  S3ForceDestroy,
  S3Lifecycle,
  IamWildcards,
  LogRetention,
  LogRetentionYear,
  LiteralSecret,
];
