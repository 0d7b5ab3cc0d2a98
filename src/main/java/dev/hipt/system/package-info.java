/**
 * Cross-cutting service concerns: API-key security, problem+json errors, OpenAPI, actuator health and metrics.
 */
package dev.hipt.system;
