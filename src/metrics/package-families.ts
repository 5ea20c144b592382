import { PACKAGE_FILE_STATES, type PackageFileState, type PackageState } from '../pathfiles/package-model.js';
import { REFRESHED, type FamilySpec, type Sample, type ScrapeView } from './family.js';
import { SnapshotCache } from './snapshot-cache.js';

type Labels = Readonly<Record<string, string>>;

// One labels object per package and state, shared by both families of one registry or renderer and
// kept while the package stays: the renderer encodes a label set once per object (render.ts).
/** A package's label sets: alone, and with each state. */
interface PackageLabelSets {
  readonly package: Labels;
  readonly states: readonly Labels[];
}

type PackageLabelCache = SnapshotCache<string, SnapshotCache<string, PackageLabelSets>>;

function labelSetsOf(labelSets: PackageLabelCache, view: ScrapeView, pkg: PackageState): PackageLabelSets {
  const byPackage = labelSets.get(view.snapshot, pkg.cluster) ?? labelSets.set(pkg.cluster, new SnapshotCache());
  const key = JSON.stringify([pkg.name, pkg.version]);
  return (
    byPackage.get(view.snapshot, key) ??
    byPackage.set(key, {
      package: { sf_cluster: pkg.cluster, package: pkg.name, version: pkg.version },
      states: PACKAGE_FILE_STATES.map((state) => ({ sf_cluster: pkg.cluster, package: pkg.name, version: pkg.version, state })),
    })
  );
}

function samplesOf(labelSets: PackageLabelCache, view: ScrapeView, value: (pkg: PackageState) => Readonly<Record<PackageFileState, number>>): Sample[] {
  const samples: Sample[] = [];
  for (const pkg of view.snapshot?.packages ?? []) {
    const labels = labelSetsOf(labelSets, view, pkg).states;
    // Stale data counts no file anywhere, as a path's state is unknown then (every state at 0).
    const values = value(pkg);
    PACKAGE_FILE_STATES.forEach((state, i) => samples.push({ labels: labels[i] as Labels, value: view.fresh ? values[state] : 0 }));
  }
  return samples;
}

const STATES_HELP =
  'uploading (a session with bytes missing), received (a session with nothing missing), in_store (no session, the image store holds the file at its expected size), absent (no session, not in the store), size_mismatch (in the store at another size than the path file gives: a stale file from an earlier version)';

/** Per-package families, from the path files that name packages; each call has its own label cache. */
export function packageFamilies(): readonly FamilySpec[] {
  const labelSets: PackageLabelCache = new SnapshotCache();
  return [
    {
      name: 'servicefabric_imagestore_package_files',
      help: `Files of the package (the content paths of its path files) in each state: ${STATES_HELP}. Every state is present; a file whose state is unknown (its poll failed) counts in none, and every state reads 0 when the data is older than poll.max_staleness. ${REFRESHED}`,
      type: 'gauge',
      scope: 'snapshot',
      collect: (view) => samplesOf(labelSets, view, (pkg) => pkg.files),
    },
    {
      name: 'servicefabric_imagestore_package_bytes',
      help: `Bytes of the package's files in each state: for uploading the bytes received so far, for the others the size the path file expects (where it gives none, the size of the session or the stored file; nothing for an absent file). in_store over the sum of every state is the package's progress. ${REFRESHED}`,
      type: 'gauge',
      scope: 'snapshot',
      collect: (view) => samplesOf(labelSets, view, (pkg) => pkg.bytes),
    },
    {
      name: 'servicefabric_imagestore_package_last_modified_timestamp_seconds',
      help: `Newest ModifiedDate among the upload sessions of the package's files (complete ones included), as Unix seconds: when the copy last delivered a chunk. Absent while none of its files has a session (not started, between two files, finished, or dead), and while the data is older than poll.max_staleness. ${REFRESHED}`,
      type: 'gauge',
      scope: 'snapshot',
      collect: (view) => {
        // Stale data is withheld, as the sessions it comes from are (sessions.ts).
        if (!view.fresh) return [];
        const samples: Sample[] = [];
        for (const pkg of view.snapshot?.packages ?? []) {
          if (pkg.lastModifiedMs !== undefined) samples.push({ labels: labelSetsOf(labelSets, view, pkg).package, value: pkg.lastModifiedMs / 1000 });
        }
        return samples;
      },
    },
  ];
}
