package dev.hipt.slide;

import java.util.List;

/**
 * One page of slides, newest first.
 *
 * @param items      the slides of this page
 * @param page       zero-based page number
 * @param size       the page size asked for
 * @param totalItems slides in all
 * @param totalPages pages in all
 */
public record SlidePage(List<SlideView> items, int page, int size, long totalItems, int totalPages) {
}
