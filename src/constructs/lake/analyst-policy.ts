import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { Construct } from "constructs";
import { TOPICS_DIR } from "../../kafka-connect/s3-sink-settings";
import { ATHENA_CATALOG } from "../../sql/lake-views";
import { arnParts } from "../security/arn-parts";
import { ATHENA_RESULTS_PREFIX } from "./athena-workgroup";

export interface LakeAnalystPolicyProps {
  /** The policy's name (Naming.lakeAnalystPolicy). */
  readonly name: string;
  readonly bucketArn: string;
  readonly workgroupArn: string;
  /** The Glue database's ARN (its resource's `arn`): catalog and tables ARNs derive from it. */
  readonly databaseArn: string;
  /** The database's name, as a literal (its tables' ARNs are `table/<database>/<table>`). */
  readonly databaseName: string;
  /** The lake's KMS key, when it has one: reading objects and writing results need it, through S3 only. */
  readonly kmsKeyArn?: string;
  /** The pipeline's region, for the kms:ViaService condition. */
  readonly region: string;
}

/** The actions an analyst needs, in one place. */
export const LakeAnalystActions = {
  /** Run queries in the workgroup and read their results (GetQueryResultsStream: the JDBC/ODBC drivers). */
  athena: [
    "athena:GetWorkGroup",
    "athena:StartQueryExecution",
    "athena:GetQueryExecution",
    "athena:GetQueryResults",
    "athena:GetQueryResultsStream",
    "athena:StopQueryExecution",
  ],
  /**
   * Browse the catalog through Athena (the console's database and table tree, JDBC/ODBC metadata): Athena's
   * own actions on the Glue catalog's Athena name, each of which Athena answers with the Glue reads below.
   * Left out: athena:ListWorkGroups, ListDataCatalogs and ListEngineVersions, which take no resource but `*`
   * (CDC-IAM1): choose the workgroup by name (the athena_workgroup output) instead of from the console's list.
   */
  catalogMetadata: [
    "athena:GetDataCatalog",
    "athena:ListDatabases",
    "athena:GetDatabase",
    "athena:ListTableMetadata",
    "athena:GetTableMetadata",
  ],
  glue: [
    "glue:GetDatabase",
    "glue:GetDatabases",
    "glue:GetTable",
    "glue:GetTables",
    "glue:GetPartition",
    "glue:GetPartitions",
  ],
  /** Athena's queries read the lake with the caller's permissions. */
  readLake: ["s3:GetObject"],
  results: ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
  bucket: ["s3:GetBucketLocation"],
  list: ["s3:ListBucket"],
  key: ["kms:Decrypt", "kms:GenerateDataKey"],
} as const;

/**
 * A managed policy to attach to analysts (users, groups, roles): query the lake in its workgroup, read the
 * change data and the Glue catalog of the lake's database, read and write query results. Nothing else: no
 * other workgroup, database or prefix, and the key only through S3.
 * @see https://docs.aws.amazon.com/athena/latest/ug/fine-grained-access-to-glue-resources.html
 * @see https://docs.aws.amazon.com/athena/latest/ug/example-policies-workgroup.html
 */
export class LakeAnalystPolicy extends Construct {
  readonly policy: IamPolicy;

  constructor(scope: Construct, id: string, props: LakeAnalystPolicyProps) {
    super(scope, id);
    const { partition, region, account } = arnParts(props.databaseArn);
    const glue = `arn:${partition}:glue:${region}:${account}`;
    const document = new DataAwsIamPolicyDocument(this, "Document", {
      statement: [
        {
          sid: "Workgroup",
          effect: "Allow",
          actions: [...LakeAnalystActions.athena],
          resources: [props.workgroupArn],
        },
        {
          sid: "CatalogMetadata",
          effect: "Allow",
          actions: [...LakeAnalystActions.catalogMetadata],
          resources: [`arn:${partition}:athena:${region}:${account}:datacatalog/${ATHENA_CATALOG}`],
        },
        {
          sid: "Catalog",
          effect: "Allow",
          actions: [...LakeAnalystActions.glue],
          // Athena checks the catalog and the database above every table it reads, and looks up the
          // `default` database of the catalog (read only here).
          resources: [
            `${glue}:catalog`,
            props.databaseArn,
            `${glue}:table/${props.databaseName}/*`,
            `${glue}:database/default`,
          ],
        },
        {
          sid: "LakeBucket",
          effect: "Allow",
          actions: [...LakeAnalystActions.bucket],
          resources: [props.bucketArn],
        },
        {
          sid: "ListLakeAndResults",
          effect: "Allow",
          actions: [...LakeAnalystActions.list],
          resources: [props.bucketArn],
          condition: [
            {
              test: "StringLike",
              variable: "s3:prefix",
              values: [`${TOPICS_DIR}/*`, `${ATHENA_RESULTS_PREFIX}/*`],
            },
          ],
        },
        {
          sid: "ReadChangeData",
          effect: "Allow",
          actions: [...LakeAnalystActions.readLake],
          resources: [`${props.bucketArn}/${TOPICS_DIR}/*`],
        },
        {
          sid: "QueryResults",
          effect: "Allow",
          actions: [...LakeAnalystActions.results],
          resources: [`${props.bucketArn}/${ATHENA_RESULTS_PREFIX}/*`],
        },
        ...(props.kmsKeyArn
          ? [
              {
                sid: "LakeKey",
                effect: "Allow",
                actions: [...LakeAnalystActions.key],
                resources: [props.kmsKeyArn],
                // The key also serves RDS and MSK: only through S3 (SSE-KMS objects and results).
                condition: [
                  {
                    test: "StringEquals",
                    variable: "kms:ViaService",
                    values: [`s3.${props.region}.amazonaws.com`],
                  },
                ],
              },
            ]
          : []),
      ],
    });
    this.policy = new IamPolicy(this, "Resource", {
      name: props.name,
      description: "Query the CDC lake with Athena: its workgroup, Glue database and change data, read only",
      policy: document.json,
    });
  }

  get arn(): string {
    return this.policy.arn;
  }
}
