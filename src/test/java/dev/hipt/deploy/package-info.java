/**
 * Checks of the deployment files (Helm chart, docker-compose.yml, Dockerfiles) against what the service really binds
 * and exposes; no container engine, cluster or helm binary needed.
 */
package dev.hipt.deploy;
