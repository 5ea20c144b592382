/**
 * The application packages the `demo` scenario copies, as `Copy-ServiceFabricApplicationPackage`
 * lays them out under their image-store path (`VotingApp\ApplicationManifest.xml`,
 * `VotingApp\VotingWebPkg\Code\VotingWeb.exe`, …), and the path files that announce them.
 */
import { stringify } from 'yaml';

/** One file of a package: its content path and size in bytes. */
interface DemoPackageFile {
  readonly path: string;
  readonly size: number;
}

/** One package the demo copies. */
export interface DemoPackage {
  readonly name: string;
  readonly version: string;
  /** In the order the copy sends them. */
  readonly files: readonly DemoPackageFile[];
  /** The copy starts this long after the scenario. */
  readonly startAfterMs: number;
  /**
   * The copy starts this many files and dies half way through the last of them (the files beside
   * it stop where they are; the rest are never started); absent: it finishes.
   */
  readonly diesAfterFiles?: number;
}

const KIB = 1024;
const MIB = 1024 * KIB;

/** Two packages that are copied whole, and one whose copy dies half way. */
export const DEMO_PACKAGES: readonly DemoPackage[] = [
  {
    name: 'VotingApp',
    version: '1.4.0',
    startAfterMs: 0,
    files: [
      { path: 'VotingApp\\ApplicationManifest.xml', size: 3 * KIB },
      { path: 'VotingApp\\VotingWebPkg\\ServiceManifest.xml', size: 2 * KIB },
      { path: 'VotingApp\\VotingWebPkg\\Code\\VotingWeb.exe', size: 3 * MIB },
      { path: 'VotingApp\\VotingWebPkg\\Code\\VotingWeb.dll', size: 1536 * KIB },
      { path: 'VotingApp\\VotingWebPkg\\Config\\Settings.xml', size: 1 * KIB },
      { path: 'VotingApp\\VotingDataPkg\\ServiceManifest.xml', size: 2 * KIB },
      { path: 'VotingApp\\VotingDataPkg\\Code\\VotingData.exe', size: 2560 * KIB },
      { path: 'VotingApp\\VotingDataPkg\\Code\\VotingData.dll', size: 1 * MIB },
    ],
  },
  {
    name: 'CalcServiceApp',
    version: '2.0.0',
    startAfterMs: 5_000,
    diesAfterFiles: 5,
    files: [
      { path: 'CalcServiceApp\\ApplicationManifest.xml', size: 2 * KIB },
      { path: 'CalcServiceApp\\CalcServicePkg\\ServiceManifest.xml', size: 2 * KIB },
      { path: 'CalcServiceApp\\CalcServicePkg\\Code\\CalcService.exe', size: 2 * MIB },
      { path: 'CalcServiceApp\\CalcServicePkg\\Code\\MathLib.dll', size: 1 * MIB },
      { path: 'CalcServiceApp\\CalcServicePkg\\Data\\model.bin', size: 6 * MIB },
      { path: 'CalcServiceApp\\CalcServicePkg\\Data\\weights.bin', size: 4 * MIB },
      { path: 'CalcServiceApp\\CalcServicePkg\\Config\\Settings.xml', size: 1 * KIB },
      { path: 'CalcServiceApp\\CalcServicePkg\\Code\\Newtonsoft.Json.dll', size: 700 * KIB },
    ],
  },
  {
    name: 'InventoryApp',
    version: '3.1.0',
    startAfterMs: 25_000,
    files: [
      { path: 'InventoryApp\\ApplicationManifest.xml', size: 2 * KIB },
      { path: 'InventoryApp\\InventoryPkg\\ServiceManifest.xml', size: 2 * KIB },
      { path: 'InventoryApp\\InventoryPkg\\Code\\Inventory.exe', size: 2 * MIB },
      { path: 'InventoryApp\\InventoryPkg\\Code\\Inventory.Data.dll', size: 1 * MIB },
      { path: 'InventoryApp\\InventoryPkg\\Config\\Settings.xml', size: 1 * KIB },
    ],
  },
];

/** The path file that announces a package: its name, version, and each file with its size. */
export function demoPathFile(pkg: DemoPackage): string {
  return stringify({ package: pkg.name, version: pkg.version, paths: pkg.files.map((f) => ({ path: f.path, size: f.size })) });
}
