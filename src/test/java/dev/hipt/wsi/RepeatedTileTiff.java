package dev.hipt.wsi;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.DeflaterOutputStream;

/**
 * Writes a valid tiled RGB TIFF (one image, no pyramid) of any claimed size whose every tile entry points at the
 * one deflated tile: a few hundred kilobytes that claim, say, 10^6 x 10^6 pixels, as a hostile client would send.
 */
public final class RepeatedTileTiff {

    private RepeatedTileTiff() {
    }

    /** Writes {@code width x height} pixels in {@code tile x tile} tiles (a multiple of 16) of one RGB colour. */
    public static Path write(Path file, long width, long height, int tile, int rgb) throws IOException {
        byte[] pixels = new byte[tile * tile * 3];
        for (int i = 0; i < pixels.length; i += 3) {
            pixels[i] = (byte) (rgb >> 16);
            pixels[i + 1] = (byte) (rgb >> 8);
            pixels[i + 2] = (byte) rgb;
        }
        ByteArrayOutputStream deflated = new ByteArrayOutputStream();
        try (OutputStream out = new DeflaterOutputStream(deflated)) {
            out.write(pixels);
        }
        byte[] tileBytes = deflated.toByteArray();
        long across = (width + tile - 1) / tile;
        long down = (height + tile - 1) / tile;
        int tiles = Math.toIntExact(across * down);

        int entries = 11;
        int ifdOffset = 8;
        int ifdSize = 2 + entries * 12 + 4;
        int bitsOffset = ifdOffset + ifdSize;
        int offsetsOffset = bitsOffset + 6 + 2;
        int countsOffset = offsetsOffset + 4 * tiles;
        int dataOffset = countsOffset + 4 * tiles;
        ByteBuffer head = ByteBuffer.allocate(dataOffset).order(ByteOrder.LITTLE_ENDIAN);
        head.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(ifdOffset);
        head.putShort((short) entries);
        entry(head, 256, 4, 1, Math.toIntExact(width));            // ImageWidth
        entry(head, 257, 4, 1, Math.toIntExact(height));           // ImageLength
        entry(head, 258, 3, 3, bitsOffset);                        // BitsPerSample 8,8,8
        entry(head, 259, 3, 1, 8);                                 // Compression: deflate
        entry(head, 262, 3, 1, 2);                                 // Photometric: RGB
        entry(head, 277, 3, 1, 3);                                 // SamplesPerPixel
        entry(head, 284, 3, 1, 1);                                 // PlanarConfiguration: chunky
        entry(head, 322, 4, 1, tile);                              // TileWidth
        entry(head, 323, 4, 1, tile);                              // TileLength
        entry(head, 324, 4, tiles, offsetsOffset);                 // TileOffsets
        entry(head, 325, 4, tiles, countsOffset);                  // TileByteCounts
        head.putInt(0);
        head.putShort((short) 8).putShort((short) 8).putShort((short) 8).putShort((short) 0);
        int[] offsets = new int[tiles];
        Arrays.fill(offsets, dataOffset);
        head.asIntBuffer().put(offsets);
        head.position(countsOffset);
        int[] counts = new int[tiles];
        Arrays.fill(counts, tileBytes.length);
        head.asIntBuffer().put(counts);
        head.position(0);
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            out.write(head);
            out.write(ByteBuffer.wrap(tileBytes));
        }
        return file;
    }

    private static void entry(ByteBuffer b, int tag, int type, int count, int value) {
        b.putShort((short) tag).putShort((short) type).putInt(count);
        if (type == 3 && count == 1) {
            b.putShort((short) value).putShort((short) 0);
        } else {
            b.putInt(value);
        }
    }
}
