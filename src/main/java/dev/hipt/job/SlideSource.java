package dev.hipt.job;

import dev.hipt.wsi.Region;
import dev.hipt.wsi.RgbImage;
import java.io.IOException;
import java.util.List;

/**
 * The pipeline's view of slide reading: open the slide of a request, plan its tissue regions, read them. The
 * production implementation stands on the {@code wsi} package; tests put fakes here.
 */
interface SlideSource {

    /**
     * Opens the slide and plans its regions, calling {@link JobControl#checkpoint()} between the bounded native
     * reads of tissue detection, so that a cancel or a shutdown stops a long scan.
     *
     * @throws dev.hipt.wsi.SlideException with the slide's error code when it cannot be analysed
     * @throws AnalysisStopped             when {@code control} stops the job meanwhile
     * @throws IOException                 when the blob store cannot deliver the file (transient)
     */
    OpenedSlide open(AnalysisRequest request, JobControl control) throws IOException;

    /** An open slide with its region grid; reads are safe from several threads at once. */
    interface OpenedSlide extends AutoCloseable {

        /** The regions to analyse, in index order; never empty (no tissue is {@code NO_TISSUE}). */
        List<Region> regions();

        /** The region's pixels at the target magnification, normally 4096 x 4096. */
        RgbImage read(Region region) throws IOException;

        @Override
        void close();
    }
}
