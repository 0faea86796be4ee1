package org.virtiotrace.agent.cli;

import org.virtiotrace.core.cpu.CpuList;
import picocli.CommandLine;

/** --cpus 0-3,8 */
public final class CpuListConverter implements CommandLine.ITypeConverter<CpuList> {
    @Override
    public CpuList convert(String value) {
        try {
            return CpuList.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
