// The real local registry behind the ECR fake, read and changed through its v2 API with the
// `AWS` user and the password GetAuthorizationToken hands out, so ECR answers the truth.
import { request } from 'node:http';

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];

// One manifest as the registry stores it.
export interface RegistryManifest {
  digest: string;
  mediaType: string;
  body: Buffer;
  /** Compressed size of the layers (of every platform for an index), as ECR reports. */
  sizeInBytes: number;
  configMediaType?: string;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

// A client of one registry's v2 API with basic auth.
export class RegistryClient {
  constructor(
    private readonly host: string,
    private readonly user: string,
    private readonly password: string,
  ) {}

  private call(method: string, path: string, headers: Record<string, string> = {}, body?: Buffer): Promise<Answer> {
    const [hostname, port] = this.host.split(':');
    const auth = Buffer.from(`${this.user}:${this.password}`).toString('base64');
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: hostname,
          port: Number(port ?? 80),
          method,
          path,
          headers: { Authorization: `Basic ${auth}`, ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  private fail(what: string, a: Answer): never {
    throw new Error(`registry ${this.host}: ${what} answered ${a.status}: ${a.body.toString('utf8').slice(0, 300)}`);
  }

  // Tags of a repository; none when the registry does not know it.
  async tags(repo: string): Promise<string[]> {
    const a = await this.call('GET', `/v2/${repo}/tags/list?n=10000`);
    if (a.status === 404) return [];
    if (a.status !== 200) this.fail(`tags/list of ${repo}`, a);
    return (JSON.parse(a.body.toString('utf8')) as { tags: string[] | null }).tags ?? [];
  }

  // A manifest by tag or digest; undefined when missing.
  async manifest(repo: string, reference: string): Promise<RegistryManifest | undefined> {
    const a = await this.call('GET', `/v2/${repo}/manifests/${reference}`, { Accept: MANIFEST_TYPES.join(', ') });
    if (a.status === 404) return undefined;
    if (a.status !== 200) this.fail(`manifest ${repo}:${reference}`, a);
    const doc = JSON.parse(a.body.toString('utf8')) as {
      mediaType?: string;
      layers?: { size: number }[];
      config?: { mediaType?: string };
      manifests?: { digest: string }[];
    };
    const mediaType = String(a.headers['content-type'] ?? doc.mediaType ?? '');
    let sizeInBytes = (doc.layers ?? []).reduce((n, l) => n + l.size, 0);
    for (const child of doc.manifests ?? []) {
      const m = await this.manifest(repo, child.digest);
      sizeInBytes += m?.sizeInBytes ?? 0;
    }
    return {
      digest: String(a.headers['docker-content-digest']),
      mediaType,
      body: a.body,
      sizeInBytes,
      configMediaType: doc.config?.mediaType,
    };
  }

  // Removes a manifest and every tag pointing at it.
  async deleteManifest(repo: string, digest: string): Promise<void> {
    const a = await this.call('DELETE', `/v2/${repo}/manifests/${digest}`);
    if (a.status !== 202 && a.status !== 404) this.fail(`DELETE manifest ${repo}@${digest}`, a);
  }

  // Stores a manifest under a tag (its blobs are already there).
  async putManifest(repo: string, tag: string, m: RegistryManifest): Promise<void> {
    const a = await this.call('PUT', `/v2/${repo}/manifests/${tag}`, { 'Content-Type': m.mediaType }, m.body);
    if (a.status !== 201) this.fail(`PUT manifest ${repo}:${tag}`, a);
  }
}
