/**
 * A local S3 stand-in for verify's tests: an HTTP server speaking the part of S3's REST API verify calls
 * (ListObjectsV2 with prefix, delimiter, start-after and continuation; GetObject; their NoSuchBucket and
 * NoSuchKey errors), path-style, as the SDK v3 client reaches an IP endpoint such as AWS_ENDPOINT_URL_S3=
 * http://127.0.0.1:<port>. Objects are put directly, with the LastModified a test chooses.
 *
 * Why not s3rver: its delimiter listing skips keys more than one folder below the prefix (FilesystemStore.
 * listObjects prunes those folders), which is exactly the sink's year=/month=/day=/hour= layout, and it
 * cannot set LastModified, which exact ages need.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { S3Client } from "@aws-sdk/client-s3";

/** Any credentials: the stand-in does not check signatures. */
export const TEST_CREDENTIALS = { accessKeyId: "AKIDTEST", secretAccessKey: "test-secret" };

interface StoredObject {
  readonly body: Buffer;
  readonly lastModified: Date;
  readonly etag: string;
}

export interface S3StandIn {
  readonly endpoint: string;
  /** A client with the stand-in as its explicit endpoint. */
  readonly client: S3Client;
  /** Requests served, as `METHOD /path?query`. */
  readonly requests: string[];
  put(bucket: string, key: string, body: string, lastModified?: Date): void;
  /** The objects of a bucket, key and text: what the Athena stand-in reads. */
  objects(bucket: string): { readonly key: string; readonly text: string }[];
  close(): Promise<void>;
}

export async function startS3(buckets: readonly string[]): Promise<S3StandIn> {
  const store = new Map<string, Map<string, StoredObject>>(buckets.map((b) => [b, new Map()]));
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    // The request's body (none for GET) is drained before answering.
    req.resume();
    req.on("end", () => {
      try {
        handle(store, req, res);
      } catch (error) {
        sendError(res, 500, "InternalError", String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new S3Client({
    region: "us-east-1",
    endpoint,
    forcePathStyle: true,
    credentials: TEST_CREDENTIALS,
  });
  return {
    endpoint,
    client,
    requests,
    put: (bucket, key, body, lastModified = new Date()) => {
      const objects = store.get(bucket);
      if (!objects) throw new Error(`no bucket ${bucket} in the stand-in`);
      const bytes = Buffer.from(body, "utf8");
      objects.set(key, {
        body: bytes,
        lastModified,
        etag: `"${createHash("md5").update(bytes).digest("hex")}"`,
      });
    },
    objects: (bucket) =>
      [...(store.get(bucket) ?? new Map<string, StoredObject>()).entries()].map(([key, o]) => ({
        key,
        text: o.body.toString("utf8"),
      })),
    close: async () => {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function handle(
  store: Map<string, Map<string, StoredObject>>,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const url = new URL(req.url ?? "/", "http://stand-in");
  const [, bucket = "", ...rest] = url.pathname.split("/");
  const key = decodeURIComponent(rest.join("/"));
  const objects = store.get(decodeURIComponent(bucket));
  if (!objects) {
    sendError(res, 404, "NoSuchBucket", "The specified bucket does not exist");
    return;
  }
  if (req.method === "GET" && key === "" && url.searchParams.get("list-type") === "2") {
    listObjectsV2(objects, decodeURIComponent(bucket), url.searchParams, res);
    return;
  }
  if ((req.method === "GET" || req.method === "HEAD") && key !== "") {
    const object = objects.get(key);
    if (!object) {
      sendError(res, 404, "NoSuchKey", "The specified key does not exist.");
      return;
    }
    res.writeHead(200, {
      "Content-Type": "application/octet-stream",
      "Content-Length": object.body.length,
      ETag: object.etag,
      "Last-Modified": object.lastModified.toUTCString(),
    });
    res.end(req.method === "GET" ? object.body : undefined);
    return;
  }
  sendError(
    res,
    501,
    "NotImplemented",
    `the stand-in does not implement ${req.method} ${url.pathname}${url.search}`,
  );
}

function listObjectsV2(
  objects: Map<string, StoredObject>,
  bucket: string,
  query: URLSearchParams,
  res: ServerResponse,
): void {
  const prefix = query.get("prefix") ?? "";
  const delimiter = query.get("delimiter") ?? "";
  const maxKeys = Number(query.get("max-keys") ?? 1000);
  const token = query.get("continuation-token");
  const after = token ? Buffer.from(token, "base64url").toString("utf8") : (query.get("start-after") ?? "");
  // Keys and rolled-up prefixes, in UTF-8 binary order as S3 lists them.
  const entries = new Map<string, { key: string; object?: StoredObject }>();
  for (const key of [...objects.keys()].sort()) {
    if (!key.startsWith(prefix) || key <= after) continue;
    const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    if (cut >= 0) {
      const common = key.slice(0, cut + delimiter.length);
      if (common > after && !entries.has(common)) entries.set(common, { key: common });
    } else {
      entries.set(key, { key, object: objects.get(key) });
    }
  }
  const page = [...entries.values()].slice(0, maxKeys);
  const truncated = entries.size > page.length;
  const xml = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
    `<Name>${xmlEscape(bucket)}</Name><Prefix>${xmlEscape(prefix)}</Prefix>`,
    delimiter ? `<Delimiter>${xmlEscape(delimiter)}</Delimiter>` : "",
    `<MaxKeys>${maxKeys}</MaxKeys><KeyCount>${page.length}</KeyCount><IsTruncated>${truncated}</IsTruncated>`,
    truncated
      ? `<NextContinuationToken>${Buffer.from(page[page.length - 1]?.key ?? "").toString("base64url")}</NextContinuationToken>`
      : "",
    ...page.map((e) =>
      e.object
        ? `<Contents><Key>${xmlEscape(e.key)}</Key><LastModified>${e.object.lastModified.toISOString()}</LastModified>` +
          `<ETag>${xmlEscape(e.object.etag)}</ETag><Size>${e.object.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`
        : `<CommonPrefixes><Prefix>${xmlEscape(e.key)}</Prefix></CommonPrefixes>`,
    ),
    "</ListBucketResult>",
  ].join("");
  res.writeHead(200, { "Content-Type": "application/xml" });
  res.end(xml);
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { "Content-Type": "application/xml" });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error>`,
  );
}

function xmlEscape(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
