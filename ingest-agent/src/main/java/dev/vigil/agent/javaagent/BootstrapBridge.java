package dev.vigil.agent.javaagent;

import net.bytebuddy.dynamic.loading.ClassInjector;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.instrument.Instrumentation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.zip.ZipEntry;

/**
 * Puts the {@code dev.vigil.agent.bootstrap} classes on the bootstrap class path, so instrumented code in
 * any class loader (the JDK's HTTP client lives in the platform loader) can call them. Only these
 * classes go there; the rest of the agent stays in the system class loader, which delegates to the
 * bootstrap loader first and so uses the same copies.
 *
 * <p>Must run before anything loads a bootstrap class: the premain class names none of them.
 */
final class BootstrapBridge {

    static final String[] CLASSES = {
            "dev/vigil/agent/bootstrap/Recorder.class",
            "dev/vigil/agent/bootstrap/SqlHolder.class",
            "dev/vigil/agent/bootstrap/VigilHooks.class",
            "dev/vigil/agent/bootstrap/VigilHooks$OutboundCompletion.class",
    };

    private BootstrapBridge() {
    }

    /**
     * Defines the classes in the bootstrap loader directly where the JVM lets ByteBuddy do that; else
     * appends a jar of them to the bootstrap class path, which makes the JVM print that class-data sharing
     * now covers boot classes only.
     */
    static void install(Instrumentation inst) throws IOException {
        Map<String, byte[]> classes = new LinkedHashMap<>();
        for (String name : CLASSES) {
            try (InputStream in = BootstrapBridge.class.getClassLoader().getResourceAsStream(name)) {
                if (in == null) {
                    throw new IOException("the agent jar lacks " + name);
                }
                classes.put(name.substring(0, name.length() - ".class".length()).replace('/', '.'), in.readAllBytes());
            }
        }
        if (ClassInjector.UsingUnsafe.isAvailable()) {
            ClassInjector.UsingUnsafe.ofBootLoader().injectRaw(classes);
            return;
        }
        Path jar = Files.createTempFile("vigil-agent-bootstrap-", ".jar");
        jar.toFile().deleteOnExit();
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file)) {
            for (String name : CLASSES) {
                try (InputStream in = BootstrapBridge.class.getClassLoader().getResourceAsStream(name)) {
                    if (in == null) {
                        throw new IOException("the agent jar lacks " + name);
                    }
                    out.putNextEntry(new ZipEntry(name));
                    in.transferTo(out);
                    out.closeEntry();
                }
            }
        }
        inst.appendToBootstrapClassLoaderSearch(new JarFile(jar.toFile()));
    }
}
