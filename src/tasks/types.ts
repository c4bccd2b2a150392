// A task as Bolt defines it: metadata (NAME.json) plus one or more implementation scripts.

export interface TaskParameter {
  /** A Puppet type string: String, String[1], Integer[0,10], Boolean, Array[String], Optional[...], Enum[a,b], Pattern[/re/], Hash, Variant[...]. */
  type?: string;
  description?: string;
  default?: unknown;
  /** Bolt's flag for secrets: the value is redacted from every log and output. */
  sensitive?: boolean;
}

export interface TaskImplementationSpec {
  /** File name of the implementation, relative to the tasks directory (e.g. "service.sh"). */
  name: string;
  /** Bolt features the target must have: "shell" (POSIX) or "powershell". */
  requirements?: string[];
  input_method?: InputMethod;
  files?: string[];
}

export type InputMethod = 'stdin' | 'environment' | 'both' | 'powershell';

export interface TaskMetadata {
  description?: string;
  puppet_task_version?: number;
  supports_noop?: boolean;
  input_method?: InputMethod;
  parameters?: Record<string, TaskParameter>;
  implementations?: TaskImplementationSpec[];
  /** Shared files (Bolt convention "MODULE/files/PATH"), delivered beside the script under $PT__installdir. */
  files?: string[];
  private?: boolean;
  /** Keys of other tools; regen's own: `regen.path_parameters`, the parameters that are paths (see tasks/paths.ts). */
  extensions?: { regen?: { path_parameters?: string[] } } & Record<string, unknown>;
}

/** A file delivered to the target with the task: its path under the install dir and its contents. */
export interface TaskFile {
  /** e.g. "regen/files/task.sh" or "regen/tasks/service.sh" */
  installPath: string;
  contents: string;
}

export interface Task {
  /** Short name, e.g. "service" (Bolt would say "regen::service"; both are accepted on the command line). */
  name: string;
  metadata: TaskMetadata;
  /** Absolute path of NAME.json. */
  metadataPath: string;
  /** Bolt module the task comes from (default "regen"); `name` is then "MODULE::TASK", or "MODULE" for init. */
  module?: string;
  /** Where each module of the modulepath lives (module name -> its directory holding tasks/ and files/). */
  moduleRoots?: Map<string, string>;
}

/** The implementation chosen for one target, with everything that must travel with it. */
export interface ResolvedImplementation {
  task: Task;
  shell: 'posix' | 'powershell';
  script: TaskFile;
  files: TaskFile[];
  inputMethod: InputMethod;
}
