// Which project a repository belongs to, and which repository a project's PRs may be merged in,
// from the configuration. docs/github.md#registering-repositories
import type { RoshiConfig } from '../config/index.js';

/**
 * The repository auto-merge may merge in for a PR of `project`: the project's githubRepo when
 * set, else the registered repository of that name; '' (refused) when neither matches.
 */
export function configuredRepoOf(config: RoshiConfig, project: string, repo: string): string {
  const configured = config.projects[project]?.githubRepo;
  if (configured) return configured;
  return config.prPoller.repos.find((r) => r.toLowerCase() === repo.toLowerCase()) ?? '';
}

/** The project whose githubRepo is `repo`, else the default project. */
export function projectOfRepo(config: RoshiConfig, repo: string): string | undefined {
  const wanted = repo.toLowerCase();
  for (const [name, project] of Object.entries(config.projects)) {
    if (project.githubRepo.toLowerCase() === wanted) return name;
  }
  return config.defaultProject || undefined;
}
