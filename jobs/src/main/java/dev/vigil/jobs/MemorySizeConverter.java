package dev.vigil.jobs;

import org.apache.flink.configuration.MemorySize;
import picocli.CommandLine;

/** A size in bytes as Flink's own options write it: {@code 64mb}, {@code 1gb}, {@code 512kb}, {@code 1000} (bytes). */
public final class MemorySizeConverter implements CommandLine.ITypeConverter<Long> {

    @Override
    public Long convert(String value) {
        try {
            return MemorySize.parse(value).getBytes();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a size such as 64mb, 1gb or 512kb: "
                    + e.getMessage());
        }
    }
}
