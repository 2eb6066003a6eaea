/**
 * The -javaagent's bridge: the few classes instrumented code calls. The agent puts them on the bootstrap
 * class path before it instruments anything, so code loaded by any class loader can see them (the JDK's
 * own HTTP client included), and they use nothing but {@code java.base}. Everything else of the agent
 * stays behind {@link dev.vigil.agent.bootstrap.Recorder}, out of the service's class loaders.
 */
package dev.vigil.agent.bootstrap;
