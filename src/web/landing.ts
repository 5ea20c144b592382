/** What the landing page shows about one configured cluster. */
export interface LandingCluster {
  readonly name: string;
  readonly endpoint: string;
  readonly contentPaths: readonly string[];
}

export interface LandingInfo {
  readonly version: string;
  readonly telemetryPath: string;
  readonly clusters: readonly LandingCluster[];
  readonly demo: boolean;
}

/** Escapes text for HTML element content and attribute values: paths can contain any character. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Renders the landing page. */
export function renderLanding(info: LandingInfo): string {
  const clusters = info.clusters
    .map(
      (c) => `<h3>${escapeHtml(c.name)} <small>${escapeHtml(c.endpoint)}</small></h3>
<ul>${c.contentPaths.map((p) => `<li><code>${escapeHtml(p)}</code></li>`).join('')}</ul>`,
    )
    .join('\n');
  const telemetry = escapeHtml(info.telemetryPath);
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>sf-upload-exporter</title></head>
<body>
<h1>sf-upload-exporter</h1>
<p>Prometheus exporter for Azure Service Fabric image-store upload sessions, version ${escapeHtml(info.version)}.${info.demo ? ' <strong>Demo mode: polling the built-in simulated cluster.</strong>' : ''}</p>
<p><a href="${telemetry}">Metrics</a> &middot; <a href="/-/healthy">Health</a> &middot; <a href="/-/ready">Readiness</a></p>
<h2>Clusters and content paths</h2>
${clusters}
</body>
</html>
`;
}
