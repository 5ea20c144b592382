/**
 * The Service Fabric image-store simulator: programmatic API for the exporter's demo mode, tests and
 * benchmarks.
 */
export { startSimulator, DEFAULT_CLEANUP_INTERVAL_MS, type Simulator, type SimulatorOptions } from './server.js';
export type { OperationName } from './gateway.js';
export { JSON_ENCODINGS, type JsonEncoding } from './json-writer.js';
export { DEFAULT_AAD, type SimulatorAadOptions, type SimulatorTlsOptions } from './security.js';
export { SessionStore, DEFAULT_SESSION_TIMEOUT_MS, type SessionRecord, type StoreFile } from './store.js';
export {
  FaultController,
  FAULT_KINDS,
  FAULT_OPERATIONS,
  WRONG_SHAPES,
  type FaultKind,
  type FaultOperation,
  type FaultRule,
  type FaultRuleInput,
  type WrongShape,
} from './faults.js';
export { startScenario, SCENARIOS, DEMO_CONTENT_PATHS, type Scenario, type ScenarioOptions } from './scenario.js';
export { DEMO_PACKAGES, demoPathFile, type DemoPackage, type DemoPackageFile } from './demo-packages.js';
