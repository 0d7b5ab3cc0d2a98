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
import java.util.ArrayList;
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

    /**
     * The outcome of an upload; {@code created} is false when the same bytes were already registered, {@code applied}
     * names the request fields that changed an existing slide.
     */
    record Registration(SlideView slide, JobView job, boolean created, boolean newJob,
                        SlideUploadResponse.Analysis analysis, List<String> applied) {
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
        return new Registration(view(slide, job), job, true, true, SlideUploadResponse.Analysis.QUEUED, List.of());
    }

    /**
     * The same bytes again: the existing slide, with a new job only when {@code reanalyse} is asked for. Nothing the
     * caller sent is dropped: an {@code externalId} is recorded when the slide has none, a different one is a
     * conflict; a different {@code mpp} is applied (and analysed) with {@code reanalyse=true} and a conflict without.
     * The changes and the job commit together, or not at all.
     */
    private Registration again(Slide slide, UploadReceiver.Received upload) {
        String externalId = upload.externalId();
        boolean newExternalId = externalId != null && !externalId.equals(slide.externalId());
        if (newExternalId && slide.externalId() != null) {
            throw externalIdConflict(slide.id());
        }
        boolean newMpp = upload.mpp() != null && !sameMpp(upload.mpp(), slide);
        if (newMpp && !upload.reanalyse()) {
            throw new SlideConflictException(slide.id(), "mpp", "Slide " + slide.id() + " is registered with mpp "
                    + slide.mppX() + ", not " + upload.mpp() + "; send reanalyse=true to analyse it with the new mpp.");
        }
        List<String> applied = new ArrayList<>();
        if (!upload.reanalyse()) {
            if (newExternalId) {
                transaction.executeWithoutResult(status -> setExternalId(slide.id(), externalId));
                applied.add("externalId");
            }
            Slide current = slides.findById(slide.id()).orElse(slide);
            JobView latest = jobs.latestForSlide(slide.id()).orElse(null);
            log.info("Upload of slide {} deduplicated by sha256", slide.id());
            return new Registration(view(current, latest), latest, false, false,
                    SlideUploadResponse.Analysis.DEDUPLICATED, applied);
        }
        Double mpp = newMpp ? upload.mpp() : MPP_FROM_REQUEST.equals(slide.mppSource()) ? slide.mppX() : null;
        AnalysisJobs.Submission submission;
        try {
            submission = transaction.execute(status -> {
                if (newExternalId) {
                    setExternalId(slide.id(), externalId);
                }
                AnalysisJobs.Submission submitted = jobs.enqueue(
                        new AnalysisRequest(slide.id(), slide.blobKey(), mpp, upload.force()));
                if (newMpp && !submitted.queued()) {
                    throw new SlideConflictException(slide.id(), "mpp", "Analysis job " + submitted.job().id()
                            + " of slide " + slide.id() + " is queued or running with mpp " + slide.mppX()
                            + "; cancel it or wait for it to end, then reanalyse with the new mpp.");
                }
                if (newMpp) {
                    slides.updateMpp(slide.id(), upload.mpp(), MPP_FROM_REQUEST);
                }
                return submitted;
            });
        } catch (RuntimeException e) {
            throw translate(e);
        }
        if (newExternalId) {
            applied.add("externalId");
        }
        if (newMpp) {
            applied.add("mpp");
        }
        Slide current = slides.findById(slide.id()).orElse(slide);
        JobView job = submission.job();
        SlideUploadResponse.Analysis analysis;
        if (!submission.queued()) {
            analysis = SlideUploadResponse.Analysis.ALREADY_ACTIVE;
            log.info("Slide {} has analysis job {} active already: reanalysis not queued", slide.id(), job.id());
        } else {
            analysis = upload.force() ? SlideUploadResponse.Analysis.RECOMPUTE_QUEUED
                    : SlideUploadResponse.Analysis.REANALYSIS_QUEUED;
            log.info("Slide {} queued for reanalysis ({}), job {}", slide.id(), analysis, job.id());
        }
        return new Registration(view(current, job), job, false, submission.queued(), analysis, applied);
    }

    private void setExternalId(UUID slideId, String externalId) {
        if (!slides.setExternalIdIfNone(slideId, externalId)) {
            // set by a concurrent upload meanwhile: the same value is no conflict
            String now = slides.findById(slideId).map(Slide::externalId).orElse(null);
            if (!externalId.equals(now)) {
                throw externalIdConflict(slideId);
            }
        }
    }

    private static SlideConflictException externalIdConflict(UUID slideId) {
        // The detail never repeats either identifier: an externalId may be a patient-linked accession.
        return new SlideConflictException(slideId, "externalId", "These bytes are registered as slide " + slideId
                + " with another externalId; an externalId is set once and never replaced.");
    }

    /** Whether {@code mpp} is what the slide is registered with (both axes), up to rounding. */
    private static boolean sameMpp(double mpp, Slide slide) {
        return slide.mppX() != null && slide.mppY() != null && close(mpp, slide.mppX()) && close(mpp, slide.mppY());
    }

    private static boolean close(double a, double b) {
        return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
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
