/**
 * Test certificates made at run time with `openssl` in a temporary directory, so no private key is
 * ever committed. One call makes a whole set: a CA with server and client certificates, a second,
 * unrelated CA with its own client certificate, a self-signed server certificate and a PFX.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate and key on disk, with their PEM text. */
export interface CertFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: string;
  readonly key: string;
  /** SHA-1 thumbprint, upper-case hex without separators, as Service Fabric shows it. */
  readonly thumbprint: string;
}

export interface TestCerts {
  readonly dir: string;
  /** The test CA. */
  readonly ca: CertFiles;
  /** Issued by `ca`, for CN `sf-test-server`, SANs `localhost` and `127.0.0.1`. */
  readonly server: CertFiles;
  /** Another certificate issued by `ca` for the same names (a rotated server certificate). */
  readonly server2: CertFiles;
  /** Self-signed, CN `sf-selfsigned`, SAN `127.0.0.1` (the usual Service Fabric cluster certificate). */
  readonly selfSigned: CertFiles;
  /** Another self-signed certificate with the same names: right CN, wrong thumbprint. */
  readonly otherSelfSigned: CertFiles;
  /** Client certificate issued by `ca`, CN `sf-exporter`. */
  readonly client: CertFiles;
  /** Another client certificate issued by `ca`, CN `sf-exporter-2` (a rotated client certificate). */
  readonly client2: CertFiles;
  /** Client certificate issued by `ca` with SANs `DNS:prometheus.monitoring.svc` and `URI:spiffe://example.org/prometheus`. */
  readonly clientWithSans: CertFiles;
  /** Client certificate issued by `ca` with SAN `DNS:intruder.example` only. */
  readonly clientOtherSan: CertFiles;
  /** A CA nobody trusts and a client certificate it issued. */
  readonly otherCa: CertFiles;
  readonly otherClient: CertFiles;
  /** Self-signed RSA certificate for an Entra ID app registration (MSAL signs assertions with RSA). */
  readonly entraClient: CertFiles;
  /** `client` as PKCS#12, protected by `pfxPassphrase`. */
  readonly pfxFile: string;
  readonly pfxPassphrase: string;
  /** Removes the directory. */
  cleanup(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function files(dir: string, name: string): CertFiles {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  const cert = readFileSync(certFile, 'utf8');
  return {
    certFile,
    keyFile,
    cert,
    key: readFileSync(keyFile, 'utf8'),
    thumbprint: new X509Certificate(cert).fingerprint.replace(/:/g, ''),
  };
}

function key(dir: string, name: string): void {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`], dir);
}

function selfSigned(dir: string, name: string, subject: string, extensions: string[]): CertFiles {
  key(dir, name);
  openssl(['req', '-x509', '-new', '-key', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', subject, ...extensions.flatMap((e) => ['-addext', e])], dir);
  return files(dir, name);
}

function rsaSelfSigned(dir: string, name: string, subject: string): CertFiles {
  openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', `${name}.key`], dir);
  openssl(['req', '-x509', '-new', '-key', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', subject], dir);
  return files(dir, name);
}

function issued(dir: string, name: string, ca: string, subject: string, extensions: string[]): CertFiles {
  key(dir, name);
  openssl(['req', '-new', '-key', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], dir);
  writeFileSync(join(dir, `${name}.ext`), `${extensions.join('\n')}\n`);
  openssl(
    ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`],
    dir,
  );
  return files(dir, name);
}

const CA_EXT = ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign'];
const SERVER_EXT = ['basicConstraints=CA:FALSE', 'extendedKeyUsage=serverAuth', 'subjectAltName=DNS:localhost,IP:127.0.0.1'];
const CLIENT_EXT = ['basicConstraints=CA:FALSE', 'extendedKeyUsage=clientAuth'];

/** Makes a fresh set of test certificates (a few hundred milliseconds). */
export function makeTestCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'sf-certs-'));
  const ca = selfSigned(dir, 'ca', '/CN=sf-test-ca', CA_EXT);
  const otherCa = selfSigned(dir, 'other-ca', '/CN=sf-other-ca', CA_EXT);
  const pfxPassphrase = `pfx-pass-${Math.random().toString(36).slice(2)}`;
  const client = issued(dir, 'client', 'ca', '/CN=sf-exporter', CLIENT_EXT);
  writeFileSync(join(dir, 'pfx-pass.txt'), pfxPassphrase);
  openssl(['pkcs12', '-export', '-in', 'client.crt', '-inkey', 'client.key', '-out', 'client.pfx', '-passout', 'file:pfx-pass.txt'], dir);
  rmSync(join(dir, 'pfx-pass.txt'));
  return {
    dir,
    ca,
    server: issued(dir, 'server', 'ca', '/CN=sf-test-server', SERVER_EXT),
    server2: issued(dir, 'server2', 'ca', '/CN=sf-test-server', SERVER_EXT),
    selfSigned: selfSigned(dir, 'self', '/CN=sf-selfsigned', ['subjectAltName=IP:127.0.0.1']),
    otherSelfSigned: selfSigned(dir, 'self2', '/CN=sf-selfsigned', ['subjectAltName=IP:127.0.0.1']),
    client,
    client2: issued(dir, 'client2', 'ca', '/CN=sf-exporter-2', CLIENT_EXT),
    clientWithSans: issued(dir, 'client-sans', 'ca', '/CN=sf-scraper', [...CLIENT_EXT, 'subjectAltName=DNS:prometheus.monitoring.svc,URI:spiffe://example.org/prometheus']),
    clientOtherSan: issued(dir, 'client-other-san', 'ca', '/CN=sf-scraper', [...CLIENT_EXT, 'subjectAltName=DNS:intruder.example']),
    entraClient: rsaSelfSigned(dir, 'entra-client', '/CN=sf-exporter-entra'),
    otherCa,
    otherClient: issued(dir, 'other-client', 'other-ca', '/CN=sf-exporter', CLIENT_EXT),
    pfxFile: join(dir, 'client.pfx'),
    pfxPassphrase,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
