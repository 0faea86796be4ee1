package org.virtiotrace.agent.cli;

import org.virtiotrace.core.ring.RingSize;
import picocli.CommandLine;

/** --ring-size: bytes or K/M/G, a power of two from 64K to 1G (the sub-buffer check comes at start). */
public final class RingSizeConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        long bytes = SizeConverter.parse(value);
        String problem = RingSize.problem(bytes, 1);
        if (problem != null) {
            throw new CommandLine.TypeConversionException("'" + value + "': " + problem);
        }
        return bytes;
    }
}
