package dev.vigil.cli;

import picocli.CommandLine;

/** Reports the version from the jar manifest, or "development build" when run from classes. */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String version = VigilCli.class.getPackage().getImplementationVersion();
        return new String[] {"vigil " + (version != null ? version : "(development build)"),
            "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"};
    }
}
