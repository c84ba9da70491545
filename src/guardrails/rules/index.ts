import type { Rule } from "../rule";
import { AlarmActions } from "./alarm-actions";
import { AthenaEnforceConfiguration } from "./athena-enforce-configuration";
import { AthenaResultEncryption } from "./athena-result-encryption";
import { AthenaScanLimit } from "./athena-scan-limit";
import { IamWildcards } from "./iam-wildcards";
import { KmsCustomerManaged } from "./kms-customer-managed";
import { LiteralSecret } from "./literal-secret";
import { LogRetention } from "./log-retention";
import { LogRetentionYear } from "./log-retention-year";
import { MskAuthAndTls } from "./msk-auth-tls";
import { MskConnectAuthAndTls } from "./msk-connect-auth-tls";
import { MskReplication } from "./msk-replication";
import { MskStorageAutoscaling } from "./msk-storage-autoscaling";
import { NetworkFlowLogs } from "./network-flow-logs";
import { NetworkOpenIngress } from "./network-open-ingress";
import { NetworkPublicWorkloads } from "./network-public-workloads";
import { RdsBackups } from "./rds-backups";
import { RdsDeletionProtection } from "./rds-deletion-protection";
import { RdsEncryption } from "./rds-encryption";
import { RdsForceSsl } from "./rds-force-ssl";
import { RdsLogExports } from "./rds-log-exports";
import { RdsMultiAz } from "./rds-multi-az";
import { RdsPerformanceInsights } from "./rds-performance-insights";
import { RdsPublic } from "./rds-public";
import { RdsStaticParameters } from "./rds-static-parameters";
import { RdsWalCap } from "./rds-wal-cap";
import { S3Encryption } from "./s3-encryption";
import { S3ForceDestroy } from "./s3-force-destroy";
import { S3Lifecycle } from "./s3-lifecycle";
import { S3PublicAccessBlock } from "./s3-public-access-block";
import { S3TlsOnly } from "./s3-tls-only";
import { S3Versioning } from "./s3-versioning";

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
  AlarmActions,
  LiteralSecret,
  // Appended: the unknown-rule error lists IDs in this order, and test/fixtures/hostile/guardrails/
  // unknown-rule.yaml expects the earlier ones as its prefix.
  AthenaEnforceConfiguration,
  AthenaResultEncryption,
  AthenaScanLimit,
];
