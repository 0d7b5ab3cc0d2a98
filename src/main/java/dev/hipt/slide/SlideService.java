package dev.hipt.slide;

import dev.hipt.job.AnalysisJobs;
import dev.hipt.job.AnalysisRequest;
import dev.hipt.job.JobView;
import dev.hipt.job.QueueFullException;
import dev.hipt.results.RegionResults;
import dev.hipt.storage.BlobStore;
import dev.hipt.system.ApiException;
import dev.hipt.wsi.Level;
import dev.hipt.wsi.SlideMetadata;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Registers uploaded slides: dedupe by SHA-256, validate, store the file, insert the row and queue its analysis;
 * nothing is left behind when any step fails. Logs ids and hashes, never file names or slide properties.
 */
@Service
class SlideService {

    private static final Logger log = LoggerFactory.getLogger(SlideService.class);
    static final String MPP_FROM_REQUEST = "request";

    private final SlideRepository slides;
    private final BlobStore blobs;
    private final SlideInspector inspector;
    private final AnalysisJobs jobs;
    private final RegionResults results;
    private final TransactionTemplate transaction;

    SlideService(SlideRepository slides, BlobStore blobs, SlideInspector inspector, AnalysisJobs jobs,
                 RegionResults results, PlatformTransactionManager transactions) {
        this.slides = slides;
        this.blobs = blobs;
        this.inspector = inspector;
        this.jobs = jobs;
        this.results = results;
        this.transaction = new TransactionTemplate(transactions);
    }

    /** The outcome of an upload; {@code created} is false when the same bytes were already registered. */
    record Registration(SlideView slide, JobView job, boolean created, boolean newJob) {
    }

    /** Registers a received upload; the caller deletes the temporary file afterwards, whatever happened. */
    Registration register(UploadReceiver.Received upload) throws IOException {
        Optional<Slide> existing = slides.findBySha256(upload.sha256());
        if (existing.isPresent()) {
            return again(existing.get(), upload);
        }
        SlideInspector.Inspection inspection = inspector.inspect(upload.file(), upload.mpp());
        Slide slide = newSlide(upload, inspection);
        blobs.putFile(slide.blobKey(), upload.file());
        JobView job;
        try {
            // The slide row, its job row and the queue entry commit together: a crash in between leaves no
            // slide without its analysis (the job engine joins this transaction).
            job = transaction.execute(status -> {
                slides.insert(slide);
                return jobs.submit(new AnalysisRequest(slide.id(), slide.blobKey(), upload.mpp()));
            });
        } catch (DuplicateKeyException concurrentUpload) {
            // The same bytes were registered by a concurrent request between our lookup and insert.
            Slide winner = slides.findBySha256(upload.sha256()).orElseThrow(() -> concurrentUpload);
            if (!winner.blobKey().equals(slide.blobKey())) {
                blobs.delete(slide.blobKey());
            }
            return again(winner, upload);
        } catch (RuntimeException e) {
            // Nothing may stay registered when the analysis cannot be queued; the file goes too, unless a
            // concurrent upload of the same bytes registered it meanwhile under the same key.
            if (slides.findBySha256(slide.sha256()).filter(other -> other.blobKey().equals(slide.blobKey()))
                    .isEmpty()) {
                blobs.delete(slide.blobKey());
            }
            throw translate(e);
        }
        log.info("Registered slide {} (sha256 {}, {} bytes), analysis job {}", slide.id(),
                slide.sha256().substring(0, 12), slide.sizeBytes(), job.id());
        return new Registration(view(slide, job), job, true, true);
    }

    /** The same bytes again: the existing slide, with a new job only when {@code reanalyse} is asked for. */
    private Registration again(Slide slide, UploadReceiver.Received upload) {
        if (!upload.reanalyse()) {
            JobView latest = jobs.latestForSlide(slide.id()).orElse(null);
            log.info("Upload of slide {} deduplicated by sha256", slide.id());
            return new Registration(view(slide, latest), latest, false, false);
        }
        Double mpp = upload.mpp();
        if (mpp == null && MPP_FROM_REQUEST.equals(slide.mppSource())) {
            mpp = slide.mppX();
        }
        JobView job;
        try {
            job = jobs.submit(new AnalysisRequest(slide.id(), slide.blobKey(), mpp));
        } catch (RuntimeException e) {
            throw translate(e);
        }
        if (upload.mpp() != null) {
            slides.updateMpp(slide.id(), upload.mpp(), MPP_FROM_REQUEST);
            slide = slides.findById(slide.id()).orElse(slide);
        }
        log.info("Slide {} queued for reanalysis, job {}", slide.id(), job.id());
        return new Registration(view(slide, job), job, false, true);
    }

    Optional<SlideView> find(UUID id) {
        return slides.findById(id).map(slide -> view(slide, jobs.latestForSlide(id).orElse(null)));
    }

    SlidePage page(int page, int size) {
        long total = slides.count();
        List<SlideView> items = slides.page(page, size).stream()
                .map(slide -> view(slide, jobs.latestForSlide(slide.id()).orElse(null)))
                .toList();
        return new SlidePage(items, page, size, total, (int) ((total + size - 1) / size));
    }

    /**
     * Cancels a running analysis, removes the row (jobs and result rows cascade), then the result blobs and the
     * slide's blobs. The row goes first: from then on a worker still finishing a region cannot insert its result
     * (the foreign key refuses it) and removes what it wrote itself ({@code AnalysisWorker}), and whatever it wrote
     * before is removed here.
     */
    void delete(UUID id) throws IOException {
        Slide slide = slides.findById(id).orElseThrow(() -> ApiException.notFound("Slide", id));
        jobs.latestForSlide(id).filter(job -> !job.status().isFinal()).ifPresent(job -> jobs.cancel(job.id()));
        slides.delete(id);
        results.deleteForSlide(id);
        blobs.deletePrefix(slideBlobPrefix(slide.sha256()));
        log.info("Deleted slide {}", id);
    }

    private static RuntimeException translate(RuntimeException e) {
        if (e instanceof QueueFullException full) {
            return ApiException.queueFull(full.getMessage(), full.retryAfter(), full);
        }
        return e;
    }

    private static Slide newSlide(UploadReceiver.Received upload, SlideInspector.Inspection inspection)
            throws IOException {
        SlideMetadata metadata = inspection.metadata();
        List<SlideView.LevelView> levels = metadata.levels().stream()
                .map((Level level) -> new SlideView.LevelView(level.width(), level.height(), level.downsample()))
                .toList();
        long size = Files.size(upload.file());
        return new Slide(UUID.randomUUID(), upload.externalId(), upload.filename(), upload.sha256(), size,
                slideBlobPrefix(upload.sha256()) + upload.filename(), truncate(metadata.format()),
                metadata.vendor() == null ? null : truncate(metadata.vendor()), metadata.width(), metadata.height(), levels, inspection.mppX(),
                inspection.mppY(), inspection.mppSource(), metadata.objectivePower(),
                Instant.now().truncatedTo(ChronoUnit.MICROS), 0);
    }

    static String slideBlobPrefix(String sha256) {
        return "slides/" + sha256 + "/";
    }

    private static String truncate(String value) {
        if (value == null) {
            return "unknown";
        }
        return value.length() > 64 ? value.substring(0, 64) : value;
    }

    private static SlideView view(Slide slide, JobView latestJob) {
        return new SlideView(slide.id(), slide.externalId(), slide.filename(), slide.sha256(), slide.sizeBytes(),
                slide.format(), slide.vendor(), slide.width(), slide.height(), slide.levels(), slide.mppX(),
                slide.mppY(), slide.mppSource(), slide.objectivePower(), SlideStatus.of(latestJob),
                slide.createdAt(), latestJob);
    }
}
