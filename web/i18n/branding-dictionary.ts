// Texts of the account's branding (issue 19): the owner's card on the
// account page, the operators' column, the page script's messages; in
// Chinese (zh) and English (en).
export const BRANDING_DICTIONARY = {
  'branding.title': { zh: '品牌', en: 'Branding' },
  'branding.intro': {
    zh: '您的标志、颜色和标语会显示在本账户成员的每个页面上，以及会议邀请和会议纪要邮件中。',
    en: 'Your logo, colours and slogan are shown on every page of this account\'s members and in meeting invitations and summaries.',
  },
  'branding.logo': { zh: '标志', en: 'Logo' },
  'branding.logoHint': {
    zh: 'PNG、JPEG 或 WebP（不接受 SVG），最大 256 KB，每边最多 2048 像素。',
    en: 'PNG, JPEG or WebP (not SVG), at most 256 KB and 2048 pixels a side.',
  },
  'branding.noLogo': { zh: '未设置标志', en: 'No logo' },
  'branding.chooseLogo': { zh: '选择图片', en: 'Choose an image' },
  'branding.preview': { zh: '预览', en: 'Preview' },
  'branding.upload': { zh: '上传标志', en: 'Upload logo' },
  'branding.removeLogo': { zh: '删除标志', en: 'Remove logo' },
  'branding.primary': { zh: '主色（页眉）', en: 'Primary colour (header)' },
  'branding.accent': { zh: '强调色（按钮）', en: 'Accent colour (buttons)' },
  'branding.contrastHint': {
    zh: '颜色上的文字会自动使用黑色或白色，以保证对比度符合 WCAG AA。',
    en: 'Text on these colours is black or white, chosen to keep WCAG AA contrast.',
  },
  'branding.slogan': { zh: '标语（最多 80 个字符）', en: 'Slogan (at most 80 characters)' },
  'branding.save': { zh: '保存颜色和标语', en: 'Save colours and slogan' },
  'branding.reset': { zh: '恢复默认外观', en: 'Reset to the default look' },
  'branding.default': { zh: '默认外观', en: 'Default look' },
  'branding.colours': { zh: '颜色', en: 'Colours' },
  'js.branding.uploaded': { zh: '标志已上传', en: 'Logo uploaded' },
  'js.branding.noFile': { zh: '请先选择图片', en: 'Choose an image first' },
  'js.branding.tooLarge': { zh: '图片超过 256 KB', en: 'The image is larger than 256 KB' },
  'js.confirmBrandingReset': { zh: '删除标志、颜色和标语，恢复默认外观？', en: 'Remove the logo, colours and slogan and go back to the default look?' },
} as const;
